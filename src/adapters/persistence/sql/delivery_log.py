"""SqlDeliveryLog: the inbox table, written after an effect outside the database."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql  # [adapter:postgresql]
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.functions import func  # [adapter:postgresql]

from adapters.persistence.sql import driver_sql  # [adapter:postgresql]
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.inbox import SqlInbox
from adapters.persistence.sql.tables import processed_events
from application.shared.ports.inbox import DeliveryLog

_table = processed_events
_FIND = select(_table.c.event_id).where(
    _table.c.consumer == bindparam("consumer"), _table.c.event_id == bindparam("event_id")
)
_FIND_AMONG = select(_table.c.event_id).where(
    _table.c.consumer == bindparam("consumer"),
    _table.c.event_id.in_(bindparam("event_ids", expanding=True)),
)
# [adapter:postgresql begin]
# Compiled once for asyncpg: on the driver's connection each is one round trip without
# SQLAlchemy's cursor and result (about 100 µs of CPU a statement, bench/README.md).
_FIND_ON_DRIVER = driver_sql.DriverStatement(_FIND)
_RECORD_ON_DRIVER = driver_sql.DriverStatement(
    postgresql.insert(_table).on_conflict_do_nothing(), bind_processing=True
)
# A batch as one array parameter: the same SQL text (one prepared statement) for any size.
_EVENT_IDS = bindparam("event_ids", type_=postgresql.ARRAY(_table.c.event_id.type))
_FIND_AMONG_ON_DRIVER = driver_sql.DriverStatement(
    select(_table.c.event_id).where(
        _table.c.consumer == bindparam("consumer"), _table.c.event_id == _EVENT_IDS.any_()
    )
)
_RECORD_ALL_ON_DRIVER = driver_sql.DriverStatement(
    postgresql.insert(_table)
    .from_select(
        ["consumer", "event_id", "processed_at"],
        select(
            bindparam("consumer", type_=_table.c.consumer.type),
            func.unnest(_EVENT_IDS),
            bindparam("processed_at", type_=_table.c.processed_at.type),
        ),
    )
    .on_conflict_do_nothing(),
    bind_processing=True,
)
# [adapter:postgresql end]


class SqlDeliveryLog(DeliveryLog):
    """Its rows are inbox rows, so the inbox's housekeeping forgets them after the retention.

    Both calls go to the primary, never a replica: the next delivery of a sent event must see
    its record at once. Two round trips an event (the check, the record), not one: the send
    comes between them, and a record written before the send would lose the notification of a
    process that dies before sending. A batch takes the same two, for all of its events."""

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    async def carried_out(self, consumer: str, event_id: UUID) -> bool:
        values = {"consumer": consumer, "event_id": event_id}
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":
            async with self._db.on_driver() as driver:
                found = await driver.fetchval(
                    _FIND_ON_DRIVER.sql, *_FIND_ON_DRIVER.arguments(values)
                )
            return found is not None
        # [adapter:postgresql end]
        async with self._db.connect() as connection:
            return await connection.scalar(_FIND, values) is not None

    async def record(self, consumer: str, event_id: UUID) -> None:
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":  # one statement: autocommitted, one round trip
            row = {"consumer": consumer, "event_id": event_id, "processed_at": datetime.now(UTC)}
            async with self._db.on_driver() as driver:
                sent = await driver_sql.execute_on_driver(driver, _RECORD_ON_DRIVER, row)
            if not sent:  # a connection the pool must reset first: through the engine
                async with self._db.connect() as connection:
                    await SqlInbox(connection).first_time(consumer, event_id)
            return
        # [adapter:postgresql end]
        try:
            async with self._db.begin() as connection:
                await SqlInbox(connection).first_time(consumer, event_id)
        except IntegrityError:
            pass  # a concurrent twin recorded it first: recorded all the same

    async def carried_out_among(self, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
        if not event_ids:
            return set()
        values = {"consumer": consumer, "event_ids": list(event_ids)}
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":
            async with self._db.on_driver() as driver:
                rows = await driver.fetch(
                    _FIND_AMONG_ON_DRIVER.sql, *_FIND_AMONG_ON_DRIVER.arguments(values)
                )
            return {row[0] for row in rows}
        # [adapter:postgresql end]
        async with self._db.connect() as connection:
            return set((await connection.scalars(_FIND_AMONG, values)).all())

    async def record_all(self, consumer: str, event_ids: Collection[UUID]) -> None:
        if not event_ids:
            return
        now = datetime.now(UTC)
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":  # one statement, whatever is there already
            values = {"consumer": consumer, "event_ids": list(event_ids), "processed_at": now}
            async with self._db.on_driver() as driver:
                sent = await driver_sql.execute_on_driver(driver, _RECORD_ALL_ON_DRIVER, values)
            if sent:
                return
        # [adapter:postgresql end]
        rows = [{"consumer": consumer, "event_id": id_, "processed_at": now} for id_ in event_ids]
        try:  # one autocommitted statement (many VALUES): all of the rows or, one there, none
            async with self._db.connect() as connection:
                await connection.execute(insert(_table).values(rows))
        except IntegrityError:  # recorded already (by a twin): the others one at a time
            for event_id in event_ids:
                await self.record(consumer, event_id)
