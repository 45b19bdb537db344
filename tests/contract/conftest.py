"""The stores the contract suites run on: memory, SQLite, PostgreSQL and MariaDB (and Redis, for
the contexts that have a Redis adapter: DOCUMENT_STORES)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, literal, select, text, update
from sqlalchemy.engine import Dialect

from adapters.cache.redis_client import connect_redis  # [adapter:redis]
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.persistence.memory.idempotency import MemoryIdempotencyData, MemoryIdempotencyStore
from adapters.persistence.memory.lease import MemoryLease
from adapters.persistence.redis.documents import RedisDocuments  # [adapter:redis]
from adapters.persistence.redis.lease import RedisLease  # [adapter:redis]
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore, append_on
from adapters.persistence.sql.idempotency import SqlIdempotencyStore
from adapters.persistence.sql.lease import SqlLease
from adapters.persistence.sql.schema import metadata
from adapters.persistence.sql.tables import (
    event_store_events,
    event_store_head,
    idempotency_keys,
)
from application.shared.ports.event_store import EventStore, NewEvent
from application.shared.ports.idempotency import IdempotencyStore
from application.shared.ports.lease import Lease
from tests.support.databases import recreate_database
from tests.support.redis import PATIENCE, REDIS_URL, delete_prefix, unique_prefix  # [adapter:redis]
from tests.support.servers import require_server, require_sql_server

STORES = [
    "memory",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),  # [adapter:postgresql]
    pytest.param("mariadb", marks=pytest.mark.mariadb),  # [adapter:mariadb]
]

# The stores of the contexts with a document store too (adapters/persistence/redis).
DOCUMENT_STORES = [
    *STORES,
    pytest.param("redis", marks=pytest.mark.redis),  # [adapter:redis]
]


# [adapter:redis begin]
@asynccontextmanager
async def redis_documents() -> AsyncIterator[RedisDocuments]:
    """Documents on the shared Redis under a prefix of this test's own, deleted afterwards."""
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    documents = RedisDocuments(
        connect_redis(url, pool_size=8, timeout=PATIENCE), prefix=unique_prefix()
    )
    try:
        yield documents
    finally:
        await delete_prefix(documents.client, documents.prefix)
        await documents.close()


# [adapter:redis end]
# The server databases whose tables this process has made: tests only empty them after that.
_SCHEMA_MADE: set[str] = set()
# The tables each test starts with empty, children first (the event store has its own reset),
# and one row saying which of them hold rows.
_EMPTIED = [
    table
    for table in reversed(metadata.sorted_tables)
    if table.name not in ("event_store_events", "event_store_head")
]
_WHICH_HOLD_ROWS = select(
    *(
        select(literal(1)).select_from(table).exists().label(f"t{number}")
        for number, table in enumerate(_EMPTIED)
    )
)
_WHICH_HOLD_ROWS_SQL: dict[str, str] = {}


def _which_hold_rows(dialect: Dialect) -> str:
    """That row's query in `dialect`'s SQL, rendered once per process: each test's engine has
    a statement cache of its own, so it was compiled again before every SQL test (~1 ms of CPU)."""
    sql = _WHICH_HOLD_ROWS_SQL.get(dialect.name)
    if sql is None:
        compiled = _WHICH_HOLD_ROWS.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        sql = _WHICH_HOLD_ROWS_SQL[dialect.name] = str(compiled)
    return sql


async def _sqlite_file(tmp_path: Path) -> Path:
    """A new SQLite file with every table, empty: a copy of one made once per process (in the
    process's pytest base folder), since create_all takes ~35 ms of CPU and a dozen fsyncs."""
    made = tmp_path.parent / "contract-schema.db"
    if not made.exists():
        building = made.with_suffix(".building")
        building.unlink(missing_ok=True)
        database = SqlDatabase(f"sqlite+aiosqlite:///{building}", pool_size=1)
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
        finally:
            await database.dispose()
        building.rename(made)
    copy = tmp_path / "contract.db"
    shutil.copyfile(made, copy)
    return copy


async def sql_database(store: str, tmp_path: Path) -> SqlDatabase:
    # A conditional expression: as an if/else, ruff's SIM108 fires in a project whose longer
    # name widened E501 (tools/make_it_yours.py widen_for_long_names) so that the line fits.
    url = (
        f"sqlite+aiosqlite:///{await _sqlite_file(tmp_path)}"
        if store == "sqlite"
        else require_sql_server(store)
    )
    # A new SQLite file each test (its tables made); a server database once per process, made
    # afresh so that a database left by an older run (another schema, or another xdist worker
    # count) cannot linger.
    first = store != "sqlite" and url not in _SCHEMA_MADE
    if first:
        await recreate_database(url)
    database = SqlDatabase(url, pool_size=4)
    async with database.engine.begin() as connection:
        if first:
            await connection.run_sync(metadata.create_all)
        # Every table of every context starts empty. One query says which hold rows (a test
        # fills one or two): a DELETE for each of the twenty was forty round trips on a new
        # asyncpg connection (each statement prepared, then run) and most of a test's wait.
        filled = (await connection.exec_driver_sql(_which_hold_rows(connection.dialect))).one()
        for table, holds_rows in zip(_EMPTIED, filled, strict=True):
            if holds_rows:
                await connection.execute(delete(table))
    if store != "sqlite":
        _SCHEMA_MADE.add(url)
    return database


async def empty_event_store(database: SqlDatabase) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(delete(event_store_events))
        await connection.execute(update(event_store_head).values(position=0))
        # [adapter:postgresql begin]
        if connection.dialect.name == "postgresql":  # positions from 1 again
            await connection.execute(text("ALTER SEQUENCE event_store_positions RESTART"))
        # [adapter:postgresql end]


@pytest.fixture(params=STORES)
async def event_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventStore]:
    """An empty event store of each kind."""
    store: str = request.param
    if store == "memory":
        yield MemoryEventStore(MemoryEventLog())
        return
    database = await sql_database(store, tmp_path)
    await empty_event_store(database)
    sql_store = SqlEventStore(database)
    _DATABASE_OF[sql_store] = database
    try:
        yield sql_store
    finally:
        del _DATABASE_OF[sql_store]
        await database.dispose()


_DATABASE_OF: dict[EventStore, SqlDatabase] = {}
HeldAppend = Callable[[str, int, Sequence[NewEvent]], AbstractAsyncContextManager[None]]


@pytest.fixture
def append_held_open(event_store: EventStore) -> HeldAppend:
    """`async with append_held_open(stream, expected, events):` appends in a transaction that
    stays open (its positions taken, nothing committed) until the block ends, then commits. The
    memory store has no open transactions: it appends when the block ends."""

    @asynccontextmanager
    async def held(
        stream_id: str, expected: int, events: Sequence[NewEvent]
    ) -> AsyncIterator[None]:
        database = _DATABASE_OF.get(event_store)
        if database is None:
            yield
            await event_store.append(stream_id, expected, events)
            return
        async with database.begin() as connection:
            await append_on(connection, stream_id, expected, events)
            yield

    return held


@pytest.fixture(params=STORES)
async def idempotency_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[IdempotencyStore]:
    store: str = request.param
    if store == "memory":
        yield MemoryIdempotencyStore(MemoryIdempotencyData())
        return
    database = await sql_database(store, tmp_path)
    async with database.engine.begin() as connection:
        await connection.execute(delete(idempotency_keys))
    try:
        yield SqlIdempotencyStore(database)
    finally:
        await database.dispose()


@pytest.fixture(params=DOCUMENT_STORES)
async def lease(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Lease]:
    store: str = request.param
    if store == "memory":
        yield MemoryLease()
        return
    # [adapter:redis begin]
    if store == "redis":
        async with redis_documents() as documents:
            yield RedisLease(documents)
        return
    # [adapter:redis end]
    database = await sql_database(store, tmp_path)
    try:
        yield SqlLease(database)
    finally:
        await database.dispose()
