"""Reads in autocommit on a SqlDatabase (database.py): `SqlDatabase.reading` and
`reading_on_driver` are these.

A read goes to the database's replica while that answers, else to the primary (a connection
that fails on the replica falls back at once); an outage's errors become
`DependencyUnavailable`, as everywhere on the database; with row security, the connection's
session acts for the read's tenant while it is lent (row_security.tenant_session).
"""

from __future__ import annotations

import warnings  # [adapter:postgresql]
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

# [adapter:postgresql begin]
from sqlalchemy.exc import MissingGreenlet

# [adapter:postgresql end]
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# [adapter:postgresql begin]
from sqlalchemy.pool import Pool, PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

from adapters.persistence.sql.row_security import EVERY_TENANT, EveryTenant, tenant_session

# [adapter:postgresql end]
from adapters.persistence.sql.unreachable import is_unreachable
from application.shared.errors import DependencyUnavailable
from domain.shared.tenant import Tenant


class ReadSource(Protocol):
    """What a read needs of a SqlDatabase, and of its replica."""

    engine: AsyncEngine
    autocommit_engine: AsyncEngine
    row_security: bool
    outages: int

    def for_reads(self) -> ReadSource: ...

    def wait_began(self) -> float | None: ...

    def wait_ended(self, began: float | None) -> None: ...

    def unavailable(self, error: BaseException) -> DependencyUnavailable | None: ...

    def reached(self, began_at: int) -> None: ...


# How `_reading` checks a connection out of a database: the connection, and its checkin.
_Checkout = Callable[[ReadSource], Awaitable[tuple[Any, Callable[[], Awaitable[None]]]]]


def autocommit_read(
    database: ReadSource, tenant: Tenant | None = None, *, every_tenant: bool = False
) -> AbstractAsyncContextManager[AsyncConnection]:
    """An autocommit connection for a query: on the replica, or on the primary when the
    replica cannot be reached (a connection that fails there falls back at once).

    With row security, the connection's session acts for `tenant` while it is lent
    (row_security.tenant_session), or for every tenant if it says `every_tenant` (a query
    across tenants on purpose). Without, it is `_reading` itself: one context manager fewer
    per read."""
    # [adapter:postgresql begin]
    if database.row_security and (tenant is not None or every_tenant):
        return _acting_for(_reading(database, _autocommit_checkout), tenant or EVERY_TENANT)
    # [adapter:postgresql end]
    return _reading(database, _autocommit_checkout)


# [adapter:postgresql begin]
def driver_read(
    database: ReadSource, tenant: Tenant | None = None
) -> AbstractAsyncContextManager[Any]:
    """As `autocommit_read`, but the driver's own connection (asyncpg's, for a query that runs
    on the driver): checked out of the same pool, with its checkout and checkin events (the
    pool metrics), but none of SQLAlchemy's Connection around it (an execution context, the
    isolation level set and reset, three greenlet switches: about a third of a read's CPU,
    bench/README.md). Outside a transaction, so each statement commits by itself."""
    if database.row_security and tenant is not None:
        return _acting_for(_reading(database, driver_checkout), tenant)
    return _reading(database, driver_checkout)


@asynccontextmanager
async def _acting_for(
    reading: AbstractAsyncContextManager[Any], tenant: Tenant | EveryTenant
) -> AsyncIterator[Any]:
    """The read's connection, its session acting for `tenant` while it is lent."""
    async with reading as connection, tenant_session(connection, tenant):
        yield connection


# [adapter:postgresql end]


@asynccontextmanager
async def _reading(primary: ReadSource, checkout: _Checkout) -> AsyncIterator[Any]:
    database = primary.for_reads()
    if database is not primary:
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
    began_at = primary.outages
    waiting = primary.wait_began()
    try:
        connection, checkin = await checkout(primary)
        primary.wait_ended(waiting)
        try:
            yield connection
        finally:
            await checkin()
    except Exception as error:
        if (translated := primary.unavailable(error)) is not None:
            raise translated from error
        raise
    primary.reached(began_at)


async def _autocommit_checkout(
    database: ReadSource,
) -> tuple[AsyncConnection, Callable[[], Awaitable[None]]]:
    connection = await database.autocommit_engine.connect()
    return connection, connection.close


# [adapter:postgresql begin]
async def driver_checkout(database: ReadSource) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """A connection of `database`'s pool as the driver's own, and its checkin (also for a
    unit of work's one-statement create, SqlUnitOfWork)."""
    pool = database.engine.sync_engine.pool
    # A checkout may wait for a connection or open one: SQLAlchemy awaits those in a greenlet.
    pooled = _idle_connection(pool)
    if pooled is None:
        pooled = await greenlet_spawn(pool.connect)
    connection: Any = pooled.driver_connection
    while connection.is_closed():  # cut while it idled in the pool (a restart cuts all)
        await greenlet_spawn(pooled.invalidate)  # opened anew when next checked out
        pooled = await greenlet_spawn(pool.connect)
        connection = pooled.driver_connection

    async def checkin() -> None:
        # Back to the queue, with nothing to await (no transaction to roll back). One cut
        # under its statement is dropped, so the engine's next checkout does not get it.
        if connection.is_closed():
            await greenlet_spawn(pooled.invalidate)
        else:
            pooled.close()

    return connection, checkin


# When MissingGreenlet stops a checkout before it reconnects, SQLAlchemy closes the connect
# coroutine it was handed, whose inner coroutine Python then reports as never awaited: the
# exception says what happened, so that by-product of SQLAlchemy's own cancellation is dropped.
warnings.filterwarnings(
    "ignore", "coroutine .* was never awaited", RuntimeWarning, r"sqlalchemy\.util\.concurrency"
)


def _idle_connection(pool: Pool) -> PoolProxiedConnection | None:
    """A connection idle in the pool, checked out without a greenlet, when that needs no I/O.

    Each greenlet that runs Python code costs a fresh frame stack (an mmap and munmap of 16 KiB
    on CPython 3.11): 15-18 µs of a read's CPU, most of its checkout (bench/README.md). Taking
    a connection that waits in the queue awaits nothing, so it runs here; when it would wait
    (none idle) or test the connection first (pre-ping), the greenlet does it. A connection
    due to be reopened (recycled, or lost) raises MissingGreenlet before any I/O: the pool has
    closed the old one (abruptly: it idled outside any transaction) and queued its record again,
    and the greenlet's checkout opens it when its turn comes."""
    if pool._pre_ping or not isinstance(pool, QueuePool) or not pool.checkedin():
        return None
    try:
        return pool.connect()
    except MissingGreenlet:
        return None


# [adapter:postgresql end]
