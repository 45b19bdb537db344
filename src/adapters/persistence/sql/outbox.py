"""SqlOutbox: the outbox table, written by SqlUnitOfWork and read by relays.

A relay claims a batch in a transaction that stays open while it publishes:
- PostgreSQL and MariaDB: `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent relays take
  disjoint batches without waiting (MariaDB runs it in READ COMMITTED, so the claim takes no gap
  locks that would hold up writers).
- SQLite has no row locks: the claim's `BEGIN IMMEDIATE` takes the database's write lock, so
  relays take turns and writers wait for a batch to be published. Keep batches small there.
Rows of an aggregate that another relay holds an earlier event of are left for later, so each
aggregate's events are published in commit order.

Sent rows are marked (`sent_at`) and kept for housekeeping to forget after
PORTICO_OUTBOX_RETENTION; with a retention of 0 (`keep_sent=False`) the relay deletes them in
the claim's transaction instead: a delete writes no new row version and no index entry, where
the mark rewrites the row and adds an entry to each of the table's two indexes (`sent_at` is
indexed, so the update cannot be HOT).

Row security (PostgreSQL, docs/tenancy.md): a row is written in its unit of work's transaction,
which enters the events' tenant first (SqlUnitOfWork). The relay's claim, the backlog figures and
the purge of sent rows act for every tenant, on purpose: they serve every tenant's rows.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache  # [adapter:postgresql]
from typing import Any

import msgspec
from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.persistence.doorbell import InProcessDoorbell
from adapters.persistence.sql import notify as postgres  # [adapter:postgresql]
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.driver_sql import DriverStatement  # [adapter:postgresql]
from adapters.persistence.sql.reading import driver_checkout  # [adapter:postgresql]
from adapters.persistence.sql.row_security import EVERY_TENANT, SETTING  # [adapter:postgresql]
from adapters.persistence.sql.tables import outbox
from application.messaging.registry import IntegrationEvents
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.outbox import Outbox, OutboxBatch
from application.shared.ports.wakeup import Doorbell
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant

_INSERT = insert(outbox)  # built once; each execute binds its rows


class _Batch(OutboxBatch):
    def __init__(self, rows: Sequence[RowMapping]) -> None:
        self.positions = [row["position"] for row in rows]
        self.events = [_event(row) for row in rows]
        self.count = 0

    def sent(self, count: int) -> None:
        self.count = max(0, min(count, len(self.events)))


class SqlOutbox(Outbox):
    def __init__(
        self,
        database: SqlDatabase,
        events: IntegrationEvents,
        doorbell: Doorbell | None = None,
        keep_sent: bool = True,
    ) -> None:
        self._database = database
        self._to_integration = events
        self._doorbell = doorbell or InProcessDoorbell()
        self._keep_sent = keep_sent
        self._leave_sent = _MARK_SENT if keep_sent else _DELETE_SENT  # [adapter:postgresql]

    def prepare(self, domain_events: Sequence[DomainEvent]) -> list[IntegrationEvent]:
        return self._to_integration(domain_events)

    async def append(
        self,
        connection: AsyncConnection,
        events: Sequence[IntegrationEvent],
        stored_events: bool = True,
    ) -> None:
        """Insert the events inside the caller's transaction; the caller calls `notify` once it
        has committed (no NOTIFY in the transaction: PostgresDoorbell.announce says why)."""
        if not events:
            return
        # [adapter:postgresql begin]
        if connection.dialect.name == "postgresql" and len(events) > 1:
            insert, parameters = self.inserting(events)
            await postgres.execute_multirow(connection, insert, parameters)
            return
        # [adapter:postgresql end]
        if len(events) == 1:  # the usual case: one execute, not the executemany path
            await connection.execute(_INSERT, _row(events[0]))
        else:
            await connection.execute(_INSERT, [_row(event) for event in events])

    # [adapter:postgresql begin]
    @staticmethod
    def row(event: IntegrationEvent) -> tuple[Any, dict[str, Any]]:
        """PostgreSQL: the outbox table and `event`'s row in it, for a unit of work to insert
        with its own rows in one statement."""
        return outbox, _row(event)

    def inserting(self, events: Sequence[IntegrationEvent]) -> tuple[Any, dict[str, Any]]:
        """PostgreSQL: the insert of the rows of `events` (at least one), in their order, bound
        as `r<n>_<column>`, and its parameters: for a unit of work to send with its other rows
        (`execute_multirow`)."""
        rows = [_row(event) for event in events]
        insert = postgres.inserting_rows(outbox, tuple(rows[0]), len(rows))
        parameters: dict[str, Any] = {}
        for n, row in enumerate(rows):
            parameters.update({f"r{n}_{name}": value for name, value in row.items()})
        return insert, parameters

    # [adapter:postgresql end]
    def notify(self, stored_events: bool = True) -> None:
        """Once the rows are committed: wake the relays of this process, and of the others when
        the doorbell reaches them (and the projectors, unless the transaction stored no events)."""
        self._doorbell.announce(stored_events)

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxBatch]:
        # [adapter:postgresql begin]
        if self._database.backend == "postgresql":
            async with self._claiming_on_driver(limit) as batch:
                yield batch
            return
        # [adapter:postgresql end]
        async with self._database.connect(autocommit=False) as connection:
            transaction = await connection.begin()
            # [adapter:mariadb begin]
            if self._database.backend == "mysql":
                # For this transaction only (begun by its first statement, the claim): one
                # round trip, where the connection's isolation level took two to set and two
                # more to reset at its checkin (SET SESSION TRANSACTION ... and COMMIT each).
                await connection.exec_driver_sql(_READ_COMMITTED)
            # [adapter:mariadb end]
            await self._database.act_for_every_tenant(connection)  # every tenant's rows
            batch = _Batch(await _claimed(connection, limit))
            try:
                yield batch
            finally:
                if batch.count:
                    await connection.execute(self._leaving_sent(batch.positions[: batch.count]))
                await transaction.commit()

    def _leaving_sent(self, positions: list[int]) -> Any:
        """The sent rows marked, or deleted when none is kept."""
        sent = outbox.c.position.in_(positions)
        if self._keep_sent:
            return update(outbox).where(sent).values(sent_at=datetime.now(UTC))
        return delete(outbox).where(sent)

    # [adapter:postgresql begin]
    @asynccontextmanager
    async def _claiming_on_driver(self, limit: int) -> AsyncIterator[_Batch]:
        """PostgreSQL: the claim on the driver's own connection (no SQLAlchemy Connection and
        execution context around it), and the sent rows marked with the COMMIT in one round
        trip: BEGIN, the claim, the mark (or delete) and COMMIT; three round trips, not four."""
        database = self._database
        began_at, waiting = database.outages, database.wait_began()
        try:
            driver, checkin = await driver_checkout(database)
        except Exception as error:
            if (translated := database.unavailable(error)) is not None:
                raise translated from error
            raise
        database.wait_ended(waiting)
        try:
            await driver.execute(_BEGIN_FOR_EVERY_TENANT if database.row_security else _BEGIN)
            claim = _claiming_on_the_driver(limit)
            batch = _Batch(await driver.fetch(claim.sql, *claim.arguments({})))
            try:
                yield batch
            finally:
                # The positions are the table's integers, written into the SQL: the UPDATE (or
                # DELETE) and the COMMIT go together (the simple protocol takes several statements).
                sent = ",".join(str(int(p)) for p in batch.positions[: batch.count])
                await driver.execute(self._leave_sent.format(sent) if sent else "COMMIT")
        except BaseException as error:
            if driver.is_in_transaction():
                with contextlib.suppress(Exception):
                    await driver.execute("ROLLBACK")
            await checkin()
            if isinstance(error, Exception) and (translated := database.unavailable(error)):
                raise translated from error
            raise
        await checkin()
        database.reached(began_at)

    # [adapter:postgresql end]
    async def backlog(self) -> int:
        async with self._database.connect(every_tenant=True) as connection:
            count = await connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
        return int(count or 0)

    async def oldest_pending(self) -> datetime | None:
        first = (
            select(outbox.c.occurred_at)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.position)
            .limit(1)
        )
        async with self._database.connect(every_tenant=True) as connection:
            occurred: datetime | None = await connection.scalar(first)
        return occurred

    async def purge_sent(self, before: datetime) -> int:
        async with self._database.begin(every_tenant=True) as connection:  # housekeeping
            result = await connection.execute(delete(outbox).where(outbox.c.sent_at < before))
        return int(result.rowcount)

    async def wait(self, at_most: float, waiter: object = None) -> bool:
        return await self._doorbell.wait(at_most, waiter)


async def _claimed(connection: AsyncConnection, limit: int) -> list[RowMapping]:
    """The first `limit` pending rows that no other relay holds, locked (SQLite: its write
    lock), less those `_without_blocked` drops."""
    # [adapter:postgresql begin]
    if connection.dialect.name == "postgresql":
        return list((await connection.execute(_claiming_unblocked(limit))).mappings())
    # [adapter:postgresql end]
    pending = (
        select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.position).limit(limit)
    )
    if connection.dialect.name != "sqlite":
        pending = pending.with_for_update(skip_locked=True)
    return await _without_blocked(connection, list((await connection.execute(pending)).mappings()))


# [adapter:postgresql begin]
@cache
def _claiming_unblocked(limit: int) -> Any:
    """PostgreSQL: the claim and `_without_blocked` as one statement (one round trip), built
    once per limit: the first `limit` pending rows no other relay holds, locked (a CTE that
    reads them once), less the rows of aggregates with an earlier pending row outside them.

    The earlier rows are read once, the pending ones from the first pending position to the
    batch's last (other relays' batches, and rows not yet vacuumed), and their aggregates hashed
    (`NOT IN` a subquery: a hashed SubPlan): no index on `aggregate_id` (migration 0022), whose
    entry each create paid and which the planner did not choose over such a range in W3."""
    # Ordered as the pending index is (`sent_at` is NULL in every row read, so this is the
    # position's order): the planner then reads that index, where `ORDER BY position` could walk
    # the primary key through every sent row kept (a retention above 0), guessing them mixed
    # (tests/contract/test_outbox_claim_plan.py). The first pending row bounds the check's range.
    in_index_order = (outbox.c.sent_at, outbox.c.position)
    pending = outbox.alias("pending")
    first = (
        select(pending.c.position)
        .where(pending.c.sent_at.is_(None))
        .order_by(pending.c.sent_at, pending.c.position)
        .limit(1)
        .scalar_subquery()
    )
    claimed = (
        select(outbox)
        .where(outbox.c.sent_at.is_(None))
        .order_by(*in_index_order)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimed")
    )
    other = outbox.alias("other")
    blocked = select(other.c.aggregate_id).where(
        other.c.sent_at.is_(None),
        other.c.position >= first,
        other.c.position < select(func.max(claimed.c.position)).scalar_subquery(),
        other.c.position.not_in(select(claimed.c.position)),
    )
    # aggregate_id is NOT NULL, so NOT IN means "none of them" (no NULL to make it unknown).
    unblocked = claimed.c.aggregate_id.not_in(blocked)
    return select(claimed).where(unblocked).order_by(claimed.c.position)


@cache
def _claiming_on_the_driver(limit: int) -> DriverStatement:
    return DriverStatement(_claiming_unblocked(limit))


# The claim is planned for each call: asyncpg prepares it once, and from the sixth call PostgreSQL
# may keep a generic plan that checks each claimed row against every index entry of a pending row,
# including the dead ones the sent rows leave until a vacuum: a batch of 1,000 took 0.03 s planned
# for its call, 2.8 s on the generic plan after 14,000 rows had gone through (bench/README.md).
_BEGIN = "BEGIN; SET LOCAL plan_cache_mode = force_custom_plan"
# Every tenant's rows (row security): the relay serves them all, on purpose.
_BEGIN_FOR_EVERY_TENANT = f"{_BEGIN}; SELECT set_config('{SETTING}', '{EVERY_TENANT}', true)"
_MARK_SENT = "UPDATE outbox SET sent_at = clock_timestamp() WHERE position IN ({}); COMMIT"
_DELETE_SENT = "DELETE FROM outbox WHERE position IN ({}); COMMIT"


# [adapter:postgresql end]
_READ_COMMITTED = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"  # [adapter:mariadb]


async def _without_blocked(connection: AsyncConnection, rows: list[RowMapping]) -> list[RowMapping]:
    """Drop the rows of aggregates with an earlier pending row outside this batch: another
    relay holds it (any unlocked earlier row would be in the batch), so it must go first. The
    pending rows below the batch's last are a range of the pending index (no aggregate index)."""
    if not rows:
        return rows
    positions = [row["position"] for row in rows]
    blocked = set(
        await connection.scalars(
            select(outbox.c.aggregate_id)
            .where(
                outbox.c.sent_at.is_(None),
                outbox.c.aggregate_id.in_({row["aggregate_id"] for row in rows}),
                outbox.c.position < max(positions),
                outbox.c.position.not_in(positions),
            )
            .distinct()
        )
    )
    return [row for row in rows if row["aggregate_id"] not in blocked] if blocked else rows


def _row(event: IntegrationEvent) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.type,
        "version": event.version,
        "aggregate_id": event.aggregate_id,
        "occurred_at": event.occurred_at,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "actor": event.actor,
        "traceparent": event.traceparent,
        "organisation_id": event.tenant.organisation_id,
        # msgspec: a twelfth of json.dumps's CPU; non-ASCII as UTF-8, not \u escapes (same JSON).
        "payload": msgspec.json.encode(event.payload).decode(),
    }


_payload = msgspec.json.Decoder(dict[str, Any])


def _decode_payload(text: str) -> dict[str, Any]:
    """msgspec: a sixth of json.loads's CPU (the same dict of the same JSON types); json.loads
    for what msgspec refuses (NaN or Infinity, which a row written with json.dumps may hold)."""
    try:
        return _payload.decode(text)
    except msgspec.DecodeError:
        decoded: dict[str, Any] = json.loads(text)
        return decoded


# One Tenant per organisation (it is frozen): its __init__ was most of a microsecond a row.
_tenant = functools.lru_cache(maxsize=1024)(Tenant)


def _event(row: RowMapping) -> IntegrationEvent:
    return IntegrationEvent(
        id=row["event_id"],
        type=row["type"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        aggregate_id=row["aggregate_id"],
        payload=_decode_payload(row["payload"]),
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        actor=row["actor"],
        traceparent=row["traceparent"],
        tenant=_tenant(row["organisation_id"]),
    )
