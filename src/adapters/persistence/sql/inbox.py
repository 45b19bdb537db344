"""SqlInbox: processed event ids per consumer, in the consumer's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql  # [adapter:postgresql]
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import processed_events
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from application.shared.ports.inbox import (
    AlreadyApplied,  # [adapter:postgresql]
    Inbox,
    InboxRecords,
)

# [adapter:postgresql begin]
_RECORD_ONCE = postgresql.insert(processed_events).on_conflict_do_nothing()  # built once
# [adapter:postgresql end]


class SqlInbox(Inbox):
    """A concurrent twin of the same delivery blocks on the primary key until the first
    delivery's transaction ends, then finds the record (False: its insert is refused, or on
    PostgreSQL inserts nothing): the effect is applied once."""

    def __init__(self, connection: AsyncConnection, uow: SqlUnitOfWork | None = None) -> None:
        self._conn = connection
        self._uow = uow

    # [adapter:postgresql begin]
    async def record(self, consumer: str, event_id: UUID) -> None:
        """PostgreSQL: the record is one of the unit of work's inserts, so with `defers_inserts`
        it goes with the effect as one autocommitted statement at the commit (one round trip
        instead of BEGIN, the record, the effect, COMMIT). A record already there (or a twin's,
        once it commits: the insert waits on the key) refuses the whole statement."""
        if self._uow is None or self._conn.engine.dialect.name != "postgresql":
            await super().record(consumer, event_id)
            return
        row = {"consumer": consumer, "event_id": event_id, "processed_at": datetime.now(UTC)}
        await self._uow.insert(processed_events, row, _applied_already)

    # [adapter:postgresql end]

    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        if self._uow is not None:
            await self._uow.flush()  # a statement now: the unit of work's transaction begins
        table = processed_events
        # [adapter:postgresql begin]
        if self._conn.engine.dialect.name == "postgresql":
            # One round trip: the record, or nothing when it is there. A concurrent twin waits
            # on the key and then inserts nothing (False), or its row if the first rolled back.
            row = {"consumer": consumer, "event_id": event_id, "processed_at": datetime.now(UTC)}
            return (await self._conn.execute(_RECORD_ONCE, row)).rowcount == 1
        # [adapter:postgresql end]
        seen = await self._conn.scalar(
            select(table.c.event_id).where(
                table.c.consumer == consumer, table.c.event_id == event_id
            )
        )
        if seen is not None:
            return False
        try:
            await self._conn.execute(
                insert(table).values(
                    consumer=consumer, event_id=event_id, processed_at=datetime.now(UTC)
                )
            )
        except IntegrityError:  # a twin's record, committed while this insert waited on the key
            return False
        return True


# [adapter:postgresql begin]
def _applied_already(error: IntegrityError) -> AlreadyApplied | None:
    """The inbox's primary key refused the record (tables.py names it pk_processed_events)."""
    return AlreadyApplied(str(error.orig)) if "pk_processed_events" in str(error.orig) else None


# [adapter:postgresql end]
class SqlInboxRecords(InboxRecords):
    """Walks the primary key (consumer, event_id), so no index on `processed_at` has to take an
    entry per record: event ids are UUIDv7 (RFC 9562), whose first 48 bits are the millisecond
    the event was made, and an event is made before it is applied. So each consumer's records
    applied before the cutoff lie among its ids below the cutoff's first id: a range of the key,
    where `processed_at` then picks them (an old event applied late stays its full retention).
    An id of another kind would sort by chance, and might never be forgotten; so would every id
    on a MariaDB older than 10.10.6 / 10.11.5, whose `uuid` type swapped the groups of v7 ids
    too (tests/contract/test_inbox_records.py checks the order on each engine)."""

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    async def forget(self, before: datetime) -> int:
        below = UUID(int=(int(before.timestamp() * 1000) & 0xFFFF_FFFF_FFFF) << 80)
        forgotten = 0
        async with self._db.connect() as connection:  # autocommit: each consumer's delete alone
            consumer = await connection.scalar(_FIRST_CONSUMER)
            while consumer is not None:
                result = await connection.execute(
                    _FORGET, {"consumer": consumer, "below": below, "before": before}
                )
                forgotten += int(result.rowcount)
                consumer = await connection.scalar(_NEXT_CONSUMER, {"after": consumer})
        return forgotten


# The consumers one by one, each a probe of the key's first column (no scan of its entries).
_FIRST_CONSUMER = select(processed_events.c.consumer).order_by(processed_events.c.consumer).limit(1)
_NEXT_CONSUMER = _FIRST_CONSUMER.where(processed_events.c.consumer > bindparam("after"))
_FORGET = delete(processed_events).where(
    processed_events.c.consumer == bindparam("consumer"),
    processed_events.c.event_id < bindparam("below"),
    processed_events.c.processed_at < bindparam("before"),
)
