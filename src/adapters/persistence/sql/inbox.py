"""SqlInbox: processed event ids per consumer, in the consumer's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql  # [adapter:postgresql]
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.tables import processed_events
from application.shared.ports.inbox import Inbox, InboxRecords

# [adapter:postgresql begin]
_RECORD_ONCE = postgresql.insert(processed_events).on_conflict_do_nothing()  # built once
# [adapter:postgresql end]


class SqlInbox(Inbox):
    """A concurrent twin of the same delivery blocks on the primary key and then fails with
    an IntegrityError, which rolls its unit of work back (on PostgreSQL it finds the record
    and answers False): the effect is applied once."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        table = processed_events
        # [adapter:postgresql begin]
        if self._conn.dialect.name == "postgresql":
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
        await self._conn.execute(
            insert(table).values(
                consumer=consumer, event_id=event_id, processed_at=datetime.now(UTC)
            )
        )
        return True


class SqlInboxRecords(InboxRecords):
    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    async def forget(self, before: datetime) -> int:
        async with self._db.begin() as connection:
            result = await connection.execute(
                delete(processed_events).where(processed_events.c.processed_at < before)
            )
        return int(result.rowcount)
