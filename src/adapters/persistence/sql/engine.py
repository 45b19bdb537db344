"""Engines from a database URL: the URL's scheme picks SQLite, PostgreSQL or MariaDB/MySQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.ext.asyncio.engine import AsyncEngine, create_async_engine

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


def async_url(url: str) -> URL:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, pre_ping: bool = False
) -> AsyncEngine:
    """`pre_ping`: test a pooled connection before lending it (a round trip more per checkout;
    for the health probe's own connection, which idles between probes)."""
    parsed = async_url(url)
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": pre_ping}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        options.update(pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_recycle=POOL_RECYCLE)
    engine = create_async_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """`engine`'s pool, each connection lent in autocommit."""
    # [adapter:mariadb begin]
    if engine.dialect.name == "mysql":
        lending = engine.execution_options()
        event.listen(lending.sync_engine, "engine_connect", _autocommit_or_give_back)
        return lending
    # [adapter:mariadb end]
    return engine.execution_options(isolation_level="AUTOCOMMIT")


# [adapter:mariadb begin]
def _autocommit_or_give_back(connection: Connection) -> None:
    """asyncmy turns autocommit on with a round trip at each checkout (the pool's reset turned
    it off). Set by SQLAlchemy for an engine's `isolation_level`, a failure there (the server
    went away while the connection idled) raised out of the Connection's constructor, so no
    caller ever held the Connection to close: the pooled connection was left checked out until
    the garbage collector found it ("non-checked-in connection"). Here a failure invalidates it
    first, which gives it back to the pool (to be reopened), and raises as before."""
    try:
        connection.execution_options(isolation_level="AUTOCOMMIT")
    except BaseException:
        connection.invalidate()
        raise


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
