"""SqlEventStore: the event store in two tables, one adapter for SQLite, PostgreSQL and MariaDB.

Optimistic concurrency: the append reads the stream's version and refuses a wrong expected
version at once; a writer that appends to the stream after that read is caught by the unique
(stream_id, version) constraint, which refuses the second INSERT. Either way:
StreamVersionConflict, and nothing of the losing append is kept.

Gap-safe global order: a projection saves the last position it applied and reads on from there,
so an event must never become visible with a position below one already seen. With a sequence
or an auto-increment that can happen: transaction A takes position 10, B takes 11, B commits, a
reader sees 11 and moves on, then A commits 10 behind it. Here an append takes its positions by
incrementing the single row of `event_store_head` and keeps that row lock until its transaction
ends; the next append cannot take a position before the previous one committed or rolled back.
Positions are therefore handed out in commit order, with no gaps (a rollback returns its
positions). On PostgreSQL a transaction is visible before its row locks are released, so a reader
that sees position p also sees every position below it. The price is that appends are serialised
on that row: the lock is taken as late as possible (UPDATE ... RETURNING, then the INSERT, then
COMMIT), and the ordering unit of work appends at commit time, after its other statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import RowMapping, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.notify import announce
from adapters.persistence.sql.tables import event_store_events as events
from adapters.persistence.sql.tables import event_store_head as head
from application.shared.ports.event_store import (
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamVersionConflict,
)
from application.shared.ports.wakeup import Doorbell

_TAKE_POSITIONS = (
    update(head).where(head.c.id == 1).values(position=head.c.position + bindparam("count"))
)
_HEAD = select(head.c.position).where(head.c.id == 1)
_STREAM_VERSION = (
    select(events.c.version)
    .where(events.c.stream_id == bindparam("stream_id"))
    .order_by(events.c.version.desc())
    .limit(1)
)
_READ_STREAM = (
    select(events)
    .where(events.c.stream_id == bindparam("stream_id"))
    .where(events.c.version >= bindparam("from_version"))
    .order_by(events.c.version)
)
_READ_ALL = (
    select(events)
    .where(events.c.position > bindparam("after"))
    .order_by(events.c.position)
    .limit(bindparam("limit"))
)


async def append_on(
    connection: AsyncConnection, stream_id: str, expected_version: int, new: Sequence[NewEvent]
) -> int:
    """Append inside the caller's transaction; the caller commits (or rolls back)."""
    if expected_version < 0:
        raise ValueError("expected_version must be 0 (a new stream) or more")
    # Checked before the head lock, to keep the lock short. A writer that appends to this
    # stream after this read makes our INSERT hit the unique (stream_id, version) constraint.
    actual = int(await connection.scalar(_STREAM_VERSION, {"stream_id": stream_id}) or 0)
    if actual != expected_version:
        raise StreamVersionConflict(stream_id, expected_version, actual)
    if not new:
        return expected_version
    count = len(new)
    # From here to the end of the transaction this connection holds the head row lock.
    if connection.dialect.update_returning:
        last = await connection.scalar(_TAKE_POSITIONS.returning(head.c.position), {"count": count})
    else:  # MariaDB: no UPDATE ... RETURNING; our own update is visible to us
        await connection.execute(_TAKE_POSITIONS, {"count": count})
        last = await connection.scalar(_HEAD)
    if last is None:
        raise RuntimeError("event_store_head has no row: run the migrations (portico db upgrade)")
    first = int(last) - count + 1
    rows = [
        {
            "position": first + offset,
            "stream_id": stream_id,
            "version": expected_version + offset + 1,
            "event_id": event.event_id,
            "type": event.type,
            "schema_version": event.schema_version,
            "payload": json.dumps(event.payload, separators=(",", ":")),
            "occurred_at": event.occurred_at,
        }
        for offset, event in enumerate(new)
    ]
    try:
        await connection.execute(events.insert(), rows)
    except IntegrityError as error:
        if "event_id" in str(error.orig).lower():
            raise ValueError("an event with this event_id is already stored") from None
        raise StreamVersionConflict(stream_id, expected_version) from None
    return expected_version + count


async def read_on(
    connection: AsyncConnection, stream_id: str, from_version: int = 1
) -> list[RecordedEvent]:
    result = await connection.execute(
        _READ_STREAM, {"stream_id": stream_id, "from_version": from_version}
    )
    return [_recorded(row) for row in result.mappings()]


async def read_all_on(
    connection: AsyncConnection, after_position: int = 0, limit: int = 1000
) -> list[RecordedEvent]:
    result = await connection.execute(_READ_ALL, {"after": after_position, "limit": limit})
    return [_recorded(row) for row in result.mappings()]


async def head_on(connection: AsyncConnection) -> int:
    return int(await connection.scalar(_HEAD) or 0)


class SqlEventStore(EventStore):
    """Each call is its own transaction. Inside a unit of work, use `append_on` instead (the
    ordering unit of work's outbox rows then wake the projectors)."""

    def __init__(self, database: SqlDatabase, doorbell: Doorbell | None = None) -> None:
        self._db = database
        self._doorbell = doorbell

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> int:
        async with self._db.begin() as connection:
            if events:
                # Before the head row lock, not while holding it.
                await announce(connection, self._doorbell)
            version = await append_on(connection, stream_id, expected_version, events)
        if events and self._doorbell is not None:
            self._doorbell.ring()
        return version

    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        async with self._db.connect() as connection:
            return await read_on(connection, stream_id, from_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        async with self._db.connect() as connection:
            return await read_all_on(connection, after_position, limit)

    async def head_position(self) -> int:
        async with self._db.connect() as connection:
            return await head_on(connection)


def _recorded(row: RowMapping) -> RecordedEvent:
    return RecordedEvent(
        stream_id=row["stream_id"],
        version=row["version"],
        position=row["position"],
        event_id=row["event_id"],
        type=row["type"],
        schema_version=row["schema_version"],
        payload=json.loads(row["payload"]),
        occurred_at=row["occurred_at"],
    )
