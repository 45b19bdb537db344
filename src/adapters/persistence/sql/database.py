"""SqlDatabase: the engine of one database, its autocommit twin for reads (reading.py), and a
health probe.

It is also where an unreachable database becomes one application error: `connect()`, `begin()`,
the reads and the SQL unit of work turn the drivers' "cannot connect / connection lost / server
gone / locked" errors (unreachable.py) into `DependencyUnavailable("database")` (HTTP 503), and
log one line when the database is first seen down (`database.unavailable`) and one when it
answers again (`database.available`), rather than a traceback per request.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, cast

import structlog
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio.engine import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from adapters.persistence.sql import reading as reads
from adapters.persistence.sql.engine import autocommit, create_engine, lends_with_io

# [adapter:postgresql begin]
from adapters.persistence.sql.row_security import (
    EVERY_TENANT,
    enter_every_tenant,
    on_connect,
    tenant_session,
)

# [adapter:postgresql end]
from adapters.persistence.sql.unreachable import is_unreachable
from application.shared.errors import DependencyBusy, DependencyUnavailable
from domain.shared.tenant import Tenant

DEPENDENCY = "database"
RETRY_AFTER = 1.0
REPLICA_RETRY = 2.0  # seconds between tries of a replica seen down (reads use the primary)
_log = structlog.get_logger("portico.database")


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
        pool_timeout: float = 30.0,
        echo: bool = False,
        read_url: str = "",
        name: str = DEPENDENCY,
        row_security: bool = False,
    ) -> None:
        self.name = name
        self.engine: AsyncEngine = create_engine(
            url, pool_size=pool_size, pool_timeout=pool_timeout, echo=echo
        )
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
                pool_timeout=pool_timeout,
                echo=echo,
                name=f"{name}-replica",
                row_security=row_security,
            )
            if read_url
            else None
        )
        self._retry_replica_at = 0.0
        # Made once: execution_options() builds a new engine proxy on every call.
        self.autocommit_engine: AsyncEngine = autocommit(self.engine)
        self.lends_with_io = lends_with_io(self.autocommit_engine)
        # The health probe's own connection (`ping`), outside the pool the requests share: a
        # load that holds every pooled connection does not make a database that answers look
        # down. SQLite has no server to ask (and ":memory:" would be another database).
        self._probe_engine = (
            self.autocommit_engine
            if self.backend == "sqlite"
            else create_engine(url, pool_size=1, pre_ping=True, autocommit=True)
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
        _observe(observer, self.name, self.engine)
        if self.autocommit_engine.pool is not self.engine.pool:  # MariaDB's (engine.autocommit)
            _observe(observer, self._pool_name(autocommit=True), self.autocommit_engine)

    def _pool_name(self, *, autocommit: bool) -> str:
        """The name the observer knows the pool of `engine` or `autocommit_engine` by."""
        own = autocommit and self.autocommit_engine.pool is not self.engine.pool
        return f"{self.name}-autocommit" if own else self.name

    def wait_began(self, *, autocommit: bool = False) -> float | None:
        """Before a checkout (of `autocommit_engine` if `autocommit`): the time now if every
        connection is taken and none may be opened (the checkout will wait), else None. Only
        while a PoolObserver listens."""
        if self._observer is None:
            return None
        engine = self.autocommit_engine if autocommit else self.engine
        pool = cast("QueuePool", engine.pool)  # observe_pool listens to queues only
        # overflow() starts at -size and counts the connections opened; its ceiling,
        # max_overflow, is only kept privately (engine.POOL_OVERFLOW is PostgreSQL's and
        # MariaDB's; a SQLite file's pool keeps SQLAlchemy's default).
        if pool.checkedin() == 0 and pool.overflow() >= pool._max_overflow:
            return time.perf_counter()
        return None

    def wait_ended(self, began: float | None, *, autocommit: bool = False) -> None:
        if began is not None and self._observer is not None:
            waited = time.perf_counter() - began
            self._observer.pool_waited(self._pool_name(autocommit=autocommit), waited)

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    @property
    def available(self) -> bool:
        """False from the first failure to reach the database until the next success."""
        return not self._down

    def unavailable(self, error: BaseException) -> DependencyUnavailable | None:
        """The error to raise instead of `error` if it says the database cannot be reached.

        None if it does not, or if it already is that error (raise it as it is). A checkout
        that waited the pool's timeout for a connection is DependencyBusy: a 503 too, but the
        database answers, so it is no outage (no state, no log line).
        """
        if isinstance(error, PoolTimeout):
            return DependencyBusy(self.name, retry_after=RETRY_AFTER)
        if isinstance(error, DependencyBusy) or not is_unreachable(error):
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

    def reading(
        self, tenant: Tenant | None = None, *, every_tenant: bool = False
    ) -> AbstractAsyncContextManager[AsyncConnection]:
        """An autocommit connection for a query: on the replica, or on the primary when the
        replica cannot be reached; with row security, acting for `tenant` (or for every
        tenant, on purpose) while it is lent (reading.autocommit_read)."""
        return reads.autocommit_read(self, tenant, every_tenant=every_tenant)

    # [adapter:postgresql begin]
    def reading_on_driver(self, tenant: Tenant | None = None) -> AbstractAsyncContextManager[Any]:
        """As `reading`, but the driver's own connection (reading.driver_read)."""
        return reads.driver_read(self, tenant)

    def on_driver(self) -> AbstractAsyncContextManager[Any]:
        """The primary's driver connection in autocommit (reading.driver_write)."""
        return reads.driver_write(self)

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
        waiting = self.wait_began(autocommit=autocommit)
        try:
            async with engine.connect() as connection:
                self.wait_ended(waiting, autocommit=autocommit)
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
        """Raise if the database cannot run a trivial query, on the probe's own connection (a
        busy pool does not answer for the database); outage errors translated, as `connect`."""
        began_at = self.outages
        try:
            async with self._probe_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            if (translated := self.unavailable(error)) is not None:
                raise translated from error
            raise
        self.reached(began_at)

    async def dispose(self) -> None:
        if self.replica is not None:
            await self.replica.dispose()
        if self._probe_engine is not self.autocommit_engine:
            await self._probe_engine.dispose()  # its own pool (execution_options shares it)
        if self.autocommit_engine.pool is not self.engine.pool:
            await self.autocommit_engine.dispose()  # MariaDB's own (engine.autocommit)
        await self.engine.dispose()

    async def close(self) -> None:
        await self.dispose()


def _observe(observer: PoolObserver, name: str, engine: AsyncEngine) -> None:
    """Tell `observer` of each checkout and checkin of `engine`'s pool, as `name` (the pool read
    each time: dispose() makes a new one)."""

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

    observer.pool_opened(name, cast("QueuePool", engine.pool).size())
    event.listen(engine.sync_engine, "checkout", checked_out)
    event.listen(engine.sync_engine, "checkin", checked_in)
