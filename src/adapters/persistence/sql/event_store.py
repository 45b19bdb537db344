"""SqlEventStore: the event store in two tables, one adapter for SQLite, PostgreSQL and MariaDB.

Optimistic concurrency: the append reads the stream's version and refuses a wrong expected
version at once; a writer that appends to the stream after that read is caught by the unique
(stream_id, version) constraint, which refuses the second INSERT. Either way:
StreamVersionConflict, and nothing of the losing append is kept. On PostgreSQL a new stream's
first append skips the read: the constraint alone refuses it if the stream has an event.

No skipped event: a projection saves the last position it applied and reads on from there, so an
event must never become readable behind one already read. With a plain sequence that can happen:
transaction A takes position 10, B takes 11, B commits, a reader reads 11 and moves on, then A
commits 10 behind it. Two schemes prevent it:

- PostgreSQL: appends do not wait for each other. Positions come from a sequence (gaps allowed)
  and each row keeps its transaction's id (pg_current_xact_id). The global order is
  (transaction_id, position), and a reader reads only rows whose transaction is older than the
  oldest one still running in its snapshot (on this database: see _SAFE_XID): every such
  transaction has ended, so no row can still appear among them, and any row committed later
  has a larger transaction id than everything read. Reading in plain position order up to that
  horizon would not do (A with the older id may hold the larger position). The reader resumes
  after the (transaction_id, position) of the last position it saw, looked up by position. A
  write transaction still open on the database holds readers back (never makes them skip): a
  long one delays projections until it ends. Positions therefore identify events and grow along
  the read order only per transaction; within a stream the versions follow the read order
  because an append refuses (StreamVersionConflict, retried) when the stream's last event
  belongs to a newer transaction than its own (possible only if it took its id first).
- SQLite and MariaDB: an append takes its positions by incrementing the single row of
  `event_store_head` and keeps that row lock until its transaction ends, so positions are
  handed out in commit order, gap-free, and appends are serialised (SQLite has one writer
  anyway; MariaDB has no snapshot function to read a horizon from). `transaction_id` stays 0
  there, and the order is plain position order. The lock is taken as late as possible (UPDATE,
  then the INSERT, then COMMIT), and the ordering unit of work appends at commit time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache  # [adapter:postgresql]
from typing import Any

import msgspec
from sqlalchemy import (
    BigInteger,
    Insert,  # [adapter:postgresql]
    RowMapping,
    bindparam,
    func,
    insert,  # [adapter:postgresql]
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.persistence.sql import driver_sql  # [adapter:postgresql]
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.notify import announce  # [adapter:postgresql]
from adapters.persistence.sql.tables import event_store_events as events
from adapters.persistence.sql.tables import event_store_head as head
from application.shared.ports.event_store import (
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamVersionConflict,
)
from application.shared.ports.wakeup import Doorbell

# PostgreSQL: this transaction's id (assigned now if it has none yet), as bigint (xid8 is 64 bits
# but never reaches 2**63).
_CURRENT_XID = literal_column("pg_current_xact_id()::text::bigint", BigInteger())
# The horizon: the oldest transaction still running in the statement's snapshot, leaving out
# those pg_stat_activity shows on another database (they cannot write this table), so other
# databases of the server do not hold readers back; with none left, the snapshot's xmax. A
# transaction it cannot place (ended meanwhile, no permission to see it) still counts.
_SAFE_XID = literal_column(
    "(SELECT coalesce(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)"
    " FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE x::xid NOT IN"
    " (SELECT backend_xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
    " AND datname IS DISTINCT FROM current_database()))",
    BigInteger(),
)

_TAKE_POSITIONS = (
    update(head).where(head.c.id == 1).values(position=head.c.position + bindparam("count"))
)
_HEAD = select(head.c.position).where(head.c.id == 1)
_LAST_OF_STREAM = (
    select(events.c.version, events.c.transaction_id)
    .where(events.c.stream_id == bindparam("stream_id"))
    .order_by(events.c.version.desc())
    .limit(1)
)
_LAST_OF_STREAM_PG = _LAST_OF_STREAM.add_columns(_CURRENT_XID)
_INSERT_PG = events.insert().values(
    position=func.nextval("event_store_positions"), transaction_id=_CURRENT_XID
)
_INSERT = events.insert()
_ROW_COLUMNS = (
    "stream_id",
    "version",
    "event_id",
    "type",
    "schema_version",
    "payload",
    "occurred_at",
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
# Resume after the last position read, in (transaction_id, position) order, up to the horizon.
_AFTER_XID = func.coalesce(
    select(events.c.transaction_id)
    .where(events.c.position == bindparam("after"))
    .scalar_subquery(),
    0,
)
_READ_ALL_PG = (
    select(events)
    .where(
        tuple_(events.c.transaction_id, events.c.position) > tuple_(_AFTER_XID, bindparam("after"))
    )
    .where(events.c.transaction_id < _SAFE_XID)
    .order_by(events.c.transaction_id, events.c.position)
    .limit(bindparam("limit"))
)
# The last committed event in that order, past the horizon too (a projection that is caught up
# has read exactly it, so its lag is 0).
_HEAD_PG = (
    select(events.c.position)
    .order_by(events.c.transaction_id.desc(), events.c.position.desc())
    .limit(1)
)

# [adapter:postgresql begin]
# The projector reads these at every ring: asyncpg's own calls, compiled once.
_READ_ALL_ON_DRIVER = driver_sql.DriverStatement(_READ_ALL_PG)
_HEAD_ON_DRIVER = driver_sql.DriverStatement(_HEAD_PG)
# [adapter:postgresql end]


def _on_postgresql(connection: AsyncConnection) -> bool:
    # The engine's dialect: known before the connection is started (a unit of work's may not be).
    return connection.engine.dialect.name == "postgresql"


async def append_on(
    connection: AsyncConnection, stream_id: str, expected_version: int, new: Sequence[NewEvent]
) -> int:
    """Append inside the caller's transaction; the caller commits (or rolls back)."""
    rows = await checked_rows(connection, stream_id, expected_version, new)
    if not rows:
        return expected_version
    postgresql = _on_postgresql(connection)
    if not postgresql:
        for row, position in zip(rows, await _take_positions(connection, len(new)), strict=True):
            row["position"] = position
    try:
        # One row (the usual case): one execute, not the executemany path.
        await connection.execute(
            _INSERT_PG if postgresql else _INSERT, rows[0] if len(rows) == 1 else rows
        )
    except IntegrityError as error:
        if "event_id" in str(error.orig).lower():
            raise ValueError("an event with this event_id is already stored") from None
        raise StreamVersionConflict(stream_id, expected_version) from None
    return expected_version + len(new)


async def checked_rows(
    connection: AsyncConnection, stream_id: str, expected_version: int, new: Sequence[NewEvent]
) -> list[dict[str, Any]]:
    """The rows of `new` once the stream's version is checked (StreamVersionConflict if not
    `expected_version`), without their positions; they must then be inserted in the same
    transaction, where a writer that appended to the stream meanwhile makes the insert hit the
    unique (stream_id, version) constraint."""
    if expected_version < 0:
        raise ValueError("expected_version must be 0 (a new stream) or more")
    postgresql = _on_postgresql(connection)
    if not (postgresql and expected_version == 0 and new):
        await _check_last(connection, postgresql, stream_id, expected_version)
    # PostgreSQL, a new stream (an order placed): no read first. If the stream has an event,
    # our version 1 hits the unique (stream_id, version) constraint at the insert, which is the
    # same conflict; and with no event before ours, no newer transaction's event can precede it.
    return [
        {
            "stream_id": stream_id,
            "version": expected_version + offset + 1,
            "event_id": event.event_id,
            "type": event.type,
            "schema_version": event.schema_version,
            # msgspec: an eighth of json.dumps's CPU (as the outbox's rows); the same JSON.
            "payload": msgspec.json.encode(event.payload).decode(),
            "occurred_at": event.occurred_at,
        }
        for offset, event in enumerate(new)
    ]


# [adapter:postgresql begin]
def refused_append(error: IntegrityError, stream_id: str, expected_version: int) -> Exception:
    """PostgreSQL: what a refused statement with a stream's rows among others means, by the
    constraint named: a stored event_id, or a writer that appended to the stream first;
    anything else (another table's row) is the error itself."""
    message = str(error.orig).lower()
    if "uq_event_store_events_event_id" in message:
        return ValueError("an event with this event_id is already stored")
    if "uq_event_store_events_stream_id_version" in message:
        return StreamVersionConflict(stream_id, expected_version)
    return error


@cache
def inserting_rows(count: int) -> Insert:
    """PostgreSQL: an insert of `count` rows of `checked_rows` (their positions from the
    sequence, in the rows' order, and this transaction's id), the n-th row's values bound as
    `e<n>_<column>`; built once per count. For a unit of work to send with its other rows."""
    return insert(events).values(
        [
            {**{name: bindparam(f"e{n}_{name}") for name in _ROW_COLUMNS}, **filled_by_postgresql()}
            for n in range(count)
        ]
    )


def filled_by_postgresql() -> dict[str, Any]:
    """PostgreSQL: the columns of an event's row the insert itself fills (the others are
    `checked_rows`'): its position from the sequence, and its transaction's id."""
    return {"position": func.nextval("event_store_positions"), "transaction_id": _CURRENT_XID}


# [adapter:postgresql end]
async def _check_last(
    connection: AsyncConnection, postgresql: bool, stream_id: str, expected_version: int
) -> None:
    """Checked before taking positions. A writer that appends to this stream after this read
    makes our INSERT hit the unique (stream_id, version) constraint."""
    last = (
        await connection.execute(
            _LAST_OF_STREAM_PG if postgresql else _LAST_OF_STREAM, {"stream_id": stream_id}
        )
    ).first()
    actual = 0 if last is None else int(last[0])
    if actual != expected_version:
        raise StreamVersionConflict(stream_id, expected_version, actual)
    if last is not None and postgresql and int(last[1]) > int(last[2]):
        # The stream's last event comes from a transaction newer than ours: ours would be read
        # before it. Rare (we took our id before it did); a retry runs in a newer transaction.
        raise StreamVersionConflict(stream_id, expected_version)


async def _take_positions(connection: AsyncConnection, count: int) -> range:
    # From here to the end of the transaction this connection holds the head row lock.
    if connection.dialect.update_returning:
        last = await connection.scalar(_TAKE_POSITIONS.returning(head.c.position), {"count": count})
    else:  # MariaDB: no UPDATE ... RETURNING; our own update is visible to us
        await connection.execute(_TAKE_POSITIONS, {"count": count})
        last = await connection.scalar(_HEAD)
    if last is None:
        raise RuntimeError("event_store_head has no row: run the migrations (portico db upgrade)")
    return range(int(last) - count + 1, int(last) + 1)


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
    query = _READ_ALL_PG if _on_postgresql(connection) else _READ_ALL
    result = await connection.execute(query, {"after": after_position, "limit": limit})
    return [_recorded(row) for row in result.mappings()]


async def head_on(connection: AsyncConnection) -> int:
    return int(await connection.scalar(_HEAD_PG if _on_postgresql(connection) else _HEAD) or 0)


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
            # [adapter:postgresql begin]
            if events:
                # Before the head row lock, not while holding it.
                await announce(connection, self._doorbell)
            # [adapter:postgresql end]
            version = await append_on(connection, stream_id, expected_version, events)
        if events and self._doorbell is not None:
            self._doorbell.ring()
        return version

    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        async with self._db.connect() as connection:
            return await read_on(connection, stream_id, from_version)

    # Both on the primary, never a replica: the horizon is the primary's transactions'.
    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":
            arguments = _READ_ALL_ON_DRIVER.arguments({"after": after_position, "limit": limit})
            async with self._db.on_driver() as driver:
                rows = await driver.fetch(_READ_ALL_ON_DRIVER.sql, *arguments)
            return [_recorded(row) for row in rows]
        # [adapter:postgresql end]
        async with self._db.connect() as connection:
            return await read_all_on(connection, after_position, limit)

    async def head_position(self) -> int:
        # [adapter:postgresql begin]
        if self._db.backend == "postgresql":
            async with self._db.on_driver() as driver:
                found = await driver.fetchval(_HEAD_ON_DRIVER.sql, *_HEAD_ON_DRIVER.arguments({}))
            return int(found or 0)
        # [adapter:postgresql end]
        async with self._db.connect() as connection:
            return await head_on(connection)


def _recorded(row: RowMapping) -> RecordedEvent:
    """An event of a row: SQLAlchemy's, or asyncpg's own (its timestamps already in UTC)."""
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
