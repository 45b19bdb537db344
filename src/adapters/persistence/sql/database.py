"""SqlDatabase: the engine of one database, its autocommit twin for reads, and a health probe.

It is also where an unreachable database becomes one application error: `connect()`, `begin()`
and the SQL unit of work turn the drivers' "cannot connect / connection lost / server gone /
locked" errors into `DependencyUnavailable("database")` (HTTP 503), and log one line when the
database is first seen down (`database.unavailable`) and one when it answers again
(`database.available`), rather than a traceback per request.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol, cast

import structlog
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import greenlet_spawn

from adapters.persistence.sql.engine import create_engine

# [adapter:postgresql begin]
from adapters.persistence.sql.row_security import (
    EVERY_TENANT,
    enter_every_tenant,
    on_connect,
    tenant_session,
)

# [adapter:postgresql end]
from application.shared.errors import DependencyUnavailable
from domain.shared.tenant import Tenant

DEPENDENCY = "database"
RETRY_AFTER = 1.0
REPLICA_RETRY = 2.0  # seconds between tries of a replica seen down (reads use the primary)
_log = structlog.get_logger("portico.database")

# [adapter:postgresql begin]
# asyncpg's "cannot connect / connection gone / server shutting down" kinds (PostgresConnectionError
# with its subclasses: ConnectionDoesNotExistError, ConnectionFailureError, ...; and the 57P0x
# operator interventions, but not 57014, a cancelled query), matched by name so this module does
# not need asyncpg installed.
_ASYNCPG_UNREACHABLE = frozenset(
    {
        "PostgresConnectionError",
        "AdminShutdownError",
        "CrashShutdownError",
        "CannotConnectNowError",
        "IdleSessionTimeoutError",
    }
)
# [adapter:postgresql end]
# [adapter:mariadb begin]
# MySQL/MariaDB client errors: can't connect (2002, 2003), server gone away (2006), lost
# connection during query (2013), lost connection (2055); server shutdown in progress (1053).
_MYSQL_UNREACHABLE = frozenset({1053, 2002, 2003, 2006, 2013, 2055})
# [adapter:mariadb end]
# SQLite, once its busy_timeout has passed.
_SQLITE_BUSY = ("database is locked", "database is busy")


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) says the database cannot be reached or used now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _says_unreachable(current):
            return True
        wrapped = current.orig if isinstance(current, DBAPIError) else None
        current = wrapped if isinstance(wrapped, BaseException) else current.__cause__
    return False


def _says_unreachable(error: BaseException) -> bool:
    if isinstance(error, OSError | DependencyUnavailable):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    # [adapter:postgresql begin]
    if any(kind.__name__ in _ASYNCPG_UNREACHABLE for kind in type(error).__mro__):
        return True
    # [adapter:postgresql end]
    kind = type(error)
    # [adapter:mariadb begin]
    if kind.__module__.startswith(("asyncmy", "pymysql")) and error.args:
        return error.args[0] in _MYSQL_UNREACHABLE
    # [adapter:mariadb end]
    if kind.__module__.startswith("sqlite3") or kind.__name__ == "OperationalError":
        message = str(error).lower()
        return any(busy in message for busy in _SQLITE_BUSY)
    return False


# How `_reading` checks a connection out of a database: the connection, and its checkin.
_Checkout = Callable[["SqlDatabase"], Awaitable[tuple[Any, Callable[[], Awaitable[None]]]]]


class PoolObserver(Protocol):
    """Told how a database's connection pool is used (metrics, with metrics on)."""

    def pool_opened(self, database: str, size: int) -> None: ...

    def pool_changed(self, database: str, in_use: int, idle: int, overflow: int) -> None: ...

    def pool_waited(self, database: str, seconds: float) -> None: ...


class SqlDatabase:
    """With a `read_url`, queries that may be a moment stale read from that replica (see
    `for_reads`); everything else, and every read when the replica is down, uses the primary."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        read_url: str = "",
        name: str = DEPENDENCY,
        row_security: bool = False,
    ) -> None:
        self.name = name
        self.engine: AsyncEngine = create_engine(url, pool_size=pool_size, echo=echo)
        # Whether each unit of work and read tells PostgreSQL its tenant (row_security.py).
        self.row_security = False
        # [adapter:postgresql begin]
        if self.backend == "postgresql":
            self.row_security = row_security
            on_connect(self.engine, guarded=row_security)
        # [adapter:postgresql end]
        self.replica = (
            SqlDatabase(
                read_url,
                pool_size=pool_size,
                echo=echo,
                name=f"{name}-replica",
                row_security=row_security,
            )
            if read_url
            else None
        )
        self._retry_replica_at = 0.0
        # Made once: execution_options() builds a new engine proxy on every call.
        self.autocommit_engine: AsyncEngine = self.engine.execution_options(
            isolation_level="AUTOCOMMIT"
        )
        self._down = False
        # Counts outages: a success only ends an outage if its work began after it was seen, so
        # work that was already under way when the database went away does not flap the state.
        self.outages = 0
        self._observer: PoolObserver | None = None

    def observe_pool(self, observer: PoolObserver) -> None:
        """Tell `observer` of every checkout and checkin of this database's pool (and its
        replica's), and of the checkouts that had to wait. Pools that are not queues (SQLite in
        memory) have nothing to tell."""
        if self.replica is not None:
            self.replica.observe_pool(observer)
        if not isinstance(self.engine.pool, QueuePool):
            return
        self._observer = observer
        name, engine = self.name, self.engine  # engine.pool: dispose() makes a new one

        def checked_out(*_: Any) -> None:
            pool = cast("QueuePool", engine.pool)
            in_use, overflow = pool.checkedout(), max(pool.overflow(), 0)
            observer.pool_changed(name, in_use, pool.checkedin(), overflow)

        def checked_in(*_: Any) -> None:
            # Told just before the connection goes back: back in the queue, or closed if the
            # queue is full (an overflow connection).
            pool = cast("QueuePool", engine.pool)
            idle, overflow = pool.checkedin(), max(pool.overflow(), 0)
            if idle < pool.size():
                idle += 1
            else:
                overflow = max(overflow - 1, 0)
            observer.pool_changed(name, max(pool.checkedout() - 1, 0), idle, overflow)

        observer.pool_opened(name, self.engine.pool.size())
        event.listen(self.engine.sync_engine, "checkout", checked_out)
        event.listen(self.engine.sync_engine, "checkin", checked_in)

    def wait_began(self) -> float | None:
        """Before a checkout: the time now if every connection is taken and none may be opened
        (the checkout will wait), else None. Only while a PoolObserver listens."""
        if self._observer is None:
            return None
        pool = cast("QueuePool", self.engine.pool)  # observe_pool listens to queues only
        # overflow() starts at -size and counts the connections opened; its ceiling,
        # max_overflow, is only kept privately.
        if pool.checkedin() == 0 and pool.overflow() >= pool._max_overflow:
            return time.perf_counter()
        return None

    def wait_ended(self, began: float | None) -> None:
        if began is not None and self._observer is not None:
            self._observer.pool_waited(self.name, time.perf_counter() - began)

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    @property
    def available(self) -> bool:
        """False from the first failure to reach the database until the next success."""
        return not self._down

    def unavailable(self, error: BaseException) -> DependencyUnavailable | None:
        """The error to raise instead of `error` if it says the database cannot be reached.

        None if it does not, or if it already is that error (raise it as it is).
        """
        if not is_unreachable(error):
            return None
        if not self._down:
            self._down = True
            self.outages += 1
            _log.warning(
                "database.unavailable",
                database=self.name,
                backend=self.backend,
                error_type=type(error).__name__,
                detail=str(error)[:200],
            )
        if isinstance(error, DependencyUnavailable):
            return None
        return DependencyUnavailable(self.name, retry_after=RETRY_AFTER)

    def reached(self, began_at: int) -> None:
        """Note a success of work begun when `outages` was `began_at`; the first success of
        work begun during an outage ends it and logs `database.available`."""
        if self._down and began_at == self.outages:
            self._down = False
            _log.warning("database.available", database=self.name, backend=self.backend)

    def for_reads(self) -> SqlDatabase:
        """Where a query goes: the replica while it answers, else this (the primary). A replica
        seen down is tried again once every REPLICA_RETRY seconds, by the next query."""
        replica = self.replica
        if replica is None:
            return self
        if replica.available:
            return replica
        now = time.monotonic()
        if now >= self._retry_replica_at:
            self._retry_replica_at = now + REPLICA_RETRY
            return replica
        return self

    @asynccontextmanager
    async def reading(
        self, tenant: Tenant | None = None, *, every_tenant: bool = False
    ) -> AsyncIterator[AsyncConnection]:
        """An autocommit connection for a query: on the replica, or on the primary when the
        replica cannot be reached (a connection that fails there falls back at once).

        With row security, the connection's session acts for `tenant` while it is lent
        (row_security.tenant_session), or for every tenant if it says `every_tenant` (a query
        across tenants on purpose)."""
        async with self._reading(SqlDatabase._autocommit_checkout) as connection:
            # [adapter:postgresql begin]
            if self.row_security and (tenant is not None or every_tenant):
                async with tenant_session(connection, tenant or EVERY_TENANT):
                    yield connection
                return
            # [adapter:postgresql end]
            yield connection

    # [adapter:postgresql begin]
    @asynccontextmanager
    async def reading_on_driver(self, tenant: Tenant | None = None) -> AsyncIterator[Any]:
        """As `reading`, but the driver's own connection (asyncpg's, for a query that runs on the
        driver): checked out of the same pool, with its checkout and checkin events (the pool
        metrics), but none of SQLAlchemy's Connection around it (an execution context,
        the isolation level set and reset, three greenlet switches: about a third of a read's
        CPU, bench/README.md). Outside a transaction, so each statement commits by itself."""
        async with self._reading(SqlDatabase._driver_checkout) as connection:
            if self.row_security and tenant is not None:
                async with tenant_session(connection, tenant):
                    yield connection
                return
            yield connection

    # [adapter:postgresql end]

    @asynccontextmanager
    async def _reading(self, checkout: _Checkout) -> AsyncIterator[Any]:
        database = self.for_reads()
        if database is not self:
            began_at = database.outages
            waiting = database.wait_began()
            try:
                connection, checkin = await checkout(database)
            except Exception as error:
                if database.unavailable(error) is None and not is_unreachable(error):
                    raise
            else:  # a query that fails once connected is an error of this request (503)
                database.wait_ended(waiting)
                try:
                    yield connection
                except Exception as error:
                    if (translated := database.unavailable(error)) is not None:
                        raise translated from error
                    raise
                finally:
                    await checkin()
                database.reached(began_at)
                return
        began_at = self.outages
        waiting = self.wait_began()
        try:
            connection, checkin = await checkout(self)
            self.wait_ended(waiting)
            try:
                yield connection
            finally:
                await checkin()
        except Exception as error:
            if (translated := self.unavailable(error)) is not None:
                raise translated from error
            raise
        self.reached(began_at)

    async def _autocommit_checkout(self) -> tuple[AsyncConnection, Callable[[], Awaitable[None]]]:
        connection = await self.autocommit_engine.connect()
        return connection, connection.close

    # [adapter:postgresql begin]
    async def _driver_checkout(self) -> tuple[Any, Callable[[], Awaitable[None]]]:
        pool = self.engine.sync_engine.pool
        # A checkout may wait for a connection or open one: SQLAlchemy awaits those in a greenlet.
        pooled = await greenlet_spawn(pool.connect)
        connection: Any = pooled.driver_connection
        while connection.is_closed():  # cut while it idled in the pool (a restart cuts all)
            await greenlet_spawn(pooled.invalidate)  # opened anew when next checked out
            pooled = await greenlet_spawn(pool.connect)
            connection = pooled.driver_connection

        async def checkin() -> None:
            # Back to the queue, with nothing to await (no transaction to roll back); one cut
            # under its statement goes back too, and the checkout above opens it anew.
            pooled.close()

        return connection, checkin

    # [adapter:postgresql end]

    @asynccontextmanager
    async def connect(
        self, *, autocommit: bool = True, every_tenant: bool = False
    ) -> AsyncIterator[AsyncConnection]:
        """A connection (autocommit unless told otherwise) whose outage errors are translated.

        `every_tenant`: with row security, an autocommit connection's session acts for every
        tenant while it is lent (machinery across tenants, on purpose; see `act_for_every_tenant`
        for a transaction)."""
        engine = self.autocommit_engine if autocommit else self.engine
        began_at = self.outages
        waiting = self.wait_began()
        try:
            async with engine.connect() as connection:
                self.wait_ended(waiting)
                # [adapter:postgresql begin]
                if self.row_security and every_tenant:
                    if not autocommit:
                        raise ValueError("a transaction enters its tenant: act_for_every_tenant")
                    async with tenant_session(connection, EVERY_TENANT):
                        yield connection
                    return
                # [adapter:postgresql end]
                yield connection
        except Exception as error:
            if (translated := self.unavailable(error)) is not None:
                raise translated from error
            raise
        self.reached(began_at)

    @asynccontextmanager
    async def begin(self, *, every_tenant: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed on success; outage errors translated.

        `every_tenant`: with row security, the transaction acts for every tenant (machinery
        across tenants, on purpose: act_for_every_tenant)."""
        began_at = self.outages
        waiting = self.wait_began()
        try:
            async with self.engine.connect() as connection:
                self.wait_ended(waiting)
                async with connection.begin():
                    if every_tenant:
                        await self.act_for_every_tenant(connection)
                    yield connection
        except Exception as error:
            if (translated := self.unavailable(error)) is not None:
                raise translated from error
            raise
        self.reached(began_at)

    async def act_for_every_tenant(self, connection: AsyncConnection) -> None:
        """With row security, the rest of `connection`'s transaction acts for every tenant
        (row_security.enter_every_tenant): for machinery that works across tenants on purpose,
        never for a request of one. Without it, nothing: sessions start in every tenant."""
        # [adapter:postgresql begin]
        if self.row_security:
            await enter_every_tenant(connection)
        # [adapter:postgresql end]

    async def ping(self) -> None:
        """Raise if the database cannot run a trivial query."""
        async with self.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.replica is not None:
            await self.replica.dispose()
        await self.engine.dispose()

    async def close(self) -> None:
        await self.dispose()
