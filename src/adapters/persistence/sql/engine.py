"""Engines from a database URL: the URL's scheme picks SQLite, PostgreSQL or MariaDB/MySQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.ext.asyncio.engine import AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolResetState, QueuePool

from adapters.persistence.sql.fair_pool import FairAsyncPool

# Plain schemes get the async driver we ship, so `postgresql://...` just works.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",  # [adapter:postgresql]
    "postgres": "postgresql+asyncpg",  # [adapter:postgresql]
    "mysql": "mysql+asyncmy",  # [adapter:mariadb]
    "mariadb": "mysql+asyncmy",  # [adapter:mariadb]
    "mariadb+asyncmy": "mysql+asyncmy",  # [adapter:mariadb]
}

# The pool's limits beside its size (PostgreSQL's and MariaDB's), said once: the read's
# checkout (reading.py) reads them here, as SQLAlchemy keeps them only privately. No overflow:
# overflow connections are closed on return and reopened under the next burst; that churn cost
# 2.4x the CPU per read at 32 concurrent requests (measured).
POOL_OVERFLOW = 0
POOL_RECYCLE = 1800  # seconds a connection serves before it is reopened


def async_url(url: str | URL) -> URL:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 10,
    pool_timeout: float = 30.0,
    echo: bool = False,
    pre_ping: bool = False,
    autocommit: bool = False,
) -> AsyncEngine:
    """`pool_timeout`: seconds a checkout waits for a connection when all are lent.
    `pre_ping`: test a pooled connection before lending it (a round trip more per checkout;
    for the health probe's own connection, which idles between probes). `autocommit`: each
    connection lent in autocommit (see `autocommit`)."""
    parsed = async_url(url)
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": pre_ping}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        options.update(pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_recycle=POOL_RECYCLE)
        options.update(pool_timeout=pool_timeout)
        options.update(poolclass=FairAsyncPool)  # its waiters served in turn (fair_pool.py)
    # [adapter:mariadb begin]
    if parsed.get_backend_name() == "mysql":
        # The pool's rollback at each checkin is ours (_roll_back_if_in_transaction).
        options.update(pool_reset_on_return=None)
        if autocommit:
            # Autocommit set once as each connection opens, not at each checkout; the
            # Connection's rollback at its close skipped while the server says autocommit.
            options.update(isolation_level="AUTOCOMMIT", skip_autocommit_rollback=True)
        mariadb = create_async_engine(parsed, **options)
        event.listen(mariadb.sync_engine, "reset", _roll_back_if_in_transaction)
        return mariadb
    # [adapter:mariadb end]
    engine = create_async_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine


def lends_with_io(engine: AsyncEngine) -> bool:
    """Whether lending a connection of `engine` (and taking it back) awaits the driver: on
    SQLite, `autocommit`'s isolation level is set and reset in aiosqlite's thread at each
    checkout and checkin; asyncpg sets it on the client, and MariaDB's connections open in it
    (reading.py's checkout guards that await against cancellation)."""
    return engine.dialect.name == "sqlite"


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """`engine`'s database, each connection lent in autocommit. PostgreSQL and SQLite: on
    `engine`'s own pool (the isolation level set at each checkout and reset at each checkin, on
    the driver's side only). MariaDB: a pool of its own, as large, whose connections open in
    autocommit. On `engine`'s pool, asyncmy sent SET AUTOCOMMIT=1 at each checkout, then at the
    checkin ROLLBACK, SET AUTOCOMMIT=0, SET SESSION TRANSACTION ISOLATION LEVEL and COMMIT (the
    isolation level's reset): a read by id was 6 round trips, now 1 (bench/mariadb_path.py)."""
    # [adapter:mariadb begin]
    if engine.dialect.name == "mysql":
        pool = cast("QueuePool", engine.pool)
        return create_engine(
            engine.url,
            pool_size=pool.size(),
            pool_timeout=pool.timeout(),
            echo=bool(engine.echo),
            autocommit=True,
        )
    # [adapter:mariadb end]
    return engine.execution_options(isolation_level="AUTOCOMMIT")


# [adapter:mariadb begin]
def _roll_back_if_in_transaction(
    dbapi_connection: Any, _record: Any, state: PoolResetState
) -> None:
    """At each checkin, instead of the pool's unconditional ROLLBACK: one only if the server's
    last answer said a transaction is open (asyncmy keeps its status flags). A Connection
    rolls back its own transaction as it closes, so this sends nothing after a COMMIT (a
    round trip less per unit of work) nor after an autocommit read, and still ends a
    transaction begun on an autocommit connection (skip_autocommit_rollback would leave it
    open), so no connection is lent in a transaction (a stale REPEATABLE READ snapshot). A
    failure here invalidates the connection (the pool's own handling of a failed reset)."""
    if state.terminate_only or not state.asyncio_safe:
        return  # closed, not lent again (or no I/O allowed: the pool terminates it)
    if dbapi_connection.driver_connection.get_transaction_status():
        dbapi_connection.rollback()


# [adapter:mariadb end]
def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is turned off; _sqlite_begin issues ours.
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside one writer; busy_timeout makes writers wait instead of failing.
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=5000",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another writer got there first; IMMEDIATE takes the write lock up front and so waits
    # (busy_timeout) instead. Autocommit connections (read-only units of work) take no lock.
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
