"""Reads in autocommit on a SqlDatabase (database.py): `SqlDatabase.reading` and
`reading_on_driver` are these.

A read goes to the database's replica while that answers, else to the primary (a connection
that fails on the replica falls back at once); an outage's errors become
`DependencyUnavailable`, as everywhere on the database; with row security, the connection's
session acts for the read's tenant while it is lent (row_security.tenant_session).
"""

from __future__ import annotations

import asyncio
import time  # [adapter:postgresql]
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy.ext.asyncio.engine import AsyncConnection, AsyncEngine

# [adapter:postgresql begin]
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool
from sqlalchemy.util import greenlet_spawn, safe_reraise

from adapters.persistence.sql.engine import POOL_OVERFLOW, POOL_RECYCLE
from adapters.persistence.sql.fair_pool import FairAsyncPool, HandOff
from adapters.persistence.sql.row_security import EVERY_TENANT, reading_as

# [adapter:postgresql end]
from adapters.persistence.sql.unreachable import is_unreachable
from application.shared.errors import DependencyUnavailable
from domain.shared.tenant import Tenant


class ReadSource(Protocol):
    """What a read needs of a SqlDatabase, and of its replica."""

    engine: AsyncEngine
    autocommit_engine: AsyncEngine
    lends_with_io: bool  # engine.lends_with_io(autocommit_engine)
    row_security: bool
    outages: int

    def for_reads(self) -> ReadSource: ...

    def wait_began(self, *, autocommit: bool = False) -> float | None: ...

    def wait_ended(self, began: float | None, *, autocommit: bool = False) -> None: ...

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
    across tenants on purpose)."""
    # [adapter:postgresql begin]
    if database.row_security and (tenant is not None or every_tenant):
        return reading_as(_Reading(database, _autocommit_checkout), tenant or EVERY_TENANT)
    # [adapter:postgresql end]
    return _Reading(database, _autocommit_checkout)


# [adapter:postgresql begin]
def driver_read(
    database: ReadSource, tenant: Tenant | None = None
) -> AbstractAsyncContextManager[Any]:
    """As `autocommit_read`, but the driver's own connection (asyncpg's, for a query that runs
    on the driver): checked out of the same pool (driver_checkout), with its checkout and
    checkin events (the pool metrics), but none of SQLAlchemy's Connection around it (an
    execution context, the isolation level set and reset, three greenlet switches: about a
    third of a read's CPU, bench/README.md). Outside a transaction, so each statement commits by
    itself."""
    if database.row_security and tenant is not None:
        return reading_as(_Reading(database, driver_checkout), tenant)
    return _Reading(database, driver_checkout)


def driver_write(database: ReadSource) -> AbstractAsyncContextManager[Any]:
    """As `driver_read`, but always the primary's connection (never the replica's): for a
    statement that writes, or a read that must see the latest write. In autocommit too."""
    return _Reading(database, driver_checkout, replica=False)


# Pools whose idle records wait in `_pool`. A SqlDatabase's engine never pre-pings (only its
# health probe's does, engine.create_engine), so an idle record needs no ping before it is lent.
_QUEUE_POOLS = (QueuePool, AsyncAdaptedQueuePool, FairAsyncPool)

# Private attributes of SQLAlchemy's pool that the checkout below still reads, for want of a
# public equivalent: the queue of idle records (`pool._pool`, and the asyncio.Queue under it,
# `_queue`), the invalidation times that say a record must be reopened (`pool._invalidate_time`,
# `record._soft_invalidate_time`), and the record's checkin without a proxy
# (`_fairy_was_created=False`, `_checkin_failed`). The public way, `pool.connect()` in a
# greenlet and the proxy's close, costs 32 against 5.3 µs of CPU per checkout (bench/README.md,
# "The read's checkout"); with 32 reads on 10 connections a waiting read takes the queue's get
# in a greenlet too. tests/contract/catalog/test_postgres_reader.py pins what they do.

# [adapter:postgresql end]


class _Reading(AbstractAsyncContextManager[Any]):
    """One read's connection: the replica's while it answers, else the primary's; an outage's
    errors become DependencyUnavailable; back to its pool at the end. A class rather than an
    @asynccontextmanager: one object per read instead of a generator and its wrapper per layer
    (bench/README.md, "The read's checkout")."""

    __slots__ = (
        "_autocommit",
        "_began_at",
        "_checkin",
        "_checkout",
        "_database",
        "_primary",
        "_replica",
    )

    def __init__(self, primary: ReadSource, checkout: _Checkout, *, replica: bool = True) -> None:
        self._primary = primary
        self._checkout = checkout
        self._replica = replica  # whether the replica may answer
        # Whether it checks out of `autocommit_engine` (MariaDB's has a pool of its own).
        self._autocommit = checkout is _autocommit_checkout

    async def __aenter__(self) -> Any:
        primary = self._primary
        database = primary.for_reads() if self._replica else primary
        if database is not primary:
            began_at = database.outages
            waiting = database.wait_began(autocommit=self._autocommit)
            try:
                connection, self._checkin = await self._checkout(database)
            except Exception as error:
                if database.unavailable(error) is None and not is_unreachable(error):
                    raise
            else:  # a query that fails once connected is an error of this request (503)
                database.wait_ended(waiting, autocommit=self._autocommit)
                self._database, self._began_at = database, began_at
                return connection
        began_at = primary.outages
        waiting = primary.wait_began(autocommit=self._autocommit)
        try:
            connection, self._checkin = await self._checkout(primary)
        except Exception as error:
            if (translated := primary.unavailable(error)) is not None:
                raise translated from error
            raise
        primary.wait_ended(waiting, autocommit=self._autocommit)
        self._database, self._began_at = primary, began_at
        return connection

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        database = self._database
        try:
            await self._checkin()
        except Exception as failure:
            if error is None:
                if (translated := database.unavailable(failure)) is not None:
                    raise translated from failure
                raise
        if error is None:
            database.reached(self._began_at)
        elif isinstance(error, Exception) and (translated := database.unavailable(error)):
            raise translated from error


async def _autocommit_checkout(
    database: ReadSource,
) -> tuple[AsyncConnection, Callable[[], Awaitable[None]]]:
    """Where lending a connection awaits its driver (`lends_with_io`: SQLite, which sets the
    autocommit level in aiosqlite's thread at each checkout and checkin), the checkout and the
    checkin each run to their end in a task of their own, and a read cancelled while its
    connection opened closes it once open. Awaited in the read's task, a cancellation there (a
    timeout, a client gone) left the connection lent for good: a burst of cancelled reads took
    every connection of the pool, and each read after them waited the pool's timeout
    (tests/contract/test_cancelled_reads.py). Elsewhere nothing is awaited there to cancel,
    and the two tasks would cost a MariaDB read about 50 µs of its 230 (bench/README.md)."""
    if not database.lends_with_io:
        connection = await database.autocommit_engine.connect()
        return connection, connection.close
    connecting = asyncio.ensure_future(database.autocommit_engine.connect())
    try:
        connection = await asyncio.shield(connecting)
    except asyncio.CancelledError:
        connecting.add_done_callback(_close_unread)
        raise

    async def checkin() -> None:
        await asyncio.shield(_close(connection))

    return connection, checkin


# The closes running in tasks of their own: held until done (the loop keeps only weak references).
_closing: set[asyncio.Task[None]] = set()


def _close_unread(connecting: asyncio.Future[AsyncConnection]) -> None:
    if not connecting.cancelled() and connecting.exception() is None:  # else nothing was lent
        _close(connecting.result())


def _close(connection: AsyncConnection) -> asyncio.Task[None]:
    closing = asyncio.ensure_future(connection.close())
    _closing.add(closing)
    closing.add_done_callback(_closed)
    return closing


def _closed(closing: asyncio.Task[None]) -> None:
    _closing.discard(closing)
    if not closing.cancelled():
        # Read here too: a close that failed after its read was cancelled has nobody else to
        # read it, and asyncio would log it as never retrieved (the pool has logged it already).
        closing.exception()


# [adapter:postgresql begin]
async def driver_checkout(database: ReadSource) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """A connection of `database`'s pool as the driver's own, and its checkin (also for a
    unit of work's one-statement create, SqlUnitOfWork).

    An idle connection that is ready as it is (open, not due for recycling nor invalidated, no
    transaction of SQLAlchemy's adapter to roll back) is taken straight from the pool's queue
    and put back there: no greenlet, no pool proxy and its finalizer (two thirds of a checkout's
    CPU, bench/README.md "The read's checkout"), the pool's own checkout and checkin events
    still told (the pool metrics). Any other connection is made ready by the pool's own code in
    a greenlet (reopened if cut while it idled: a restart cuts all); with no idle connection,
    the pool's usual checkout (it opens one, or waits)."""
    pool: Any = database.engine.sync_engine.pool
    queue = pool._pool if type(pool) in _QUEUE_POOLS else None
    if queue is None:
        return await _proxied_checkout(pool)
    if not queue.empty():
        record = queue.get_nowait()  # a record of the pool (sqlalchemy.pool._ConnectionRecord)
    elif pool.overflow() < POOL_OVERFLOW:  # none idle, but the pool may open one
        return await _proxied_checkout(pool)
    else:
        record = await _next_returned(pool, queue)
    adapted = record.dbapi_connection
    if not _ready(pool, record, adapted):
        adapted = await greenlet_spawn(_make_ready, record)
    if pool.dispatch.checkout:  # no proxy: the listeners (metrics, tracing) take none
        pool.dispatch.checkout(adapted, record, None)
    return adapted.driver_connection, _Lent(record, adapted.driver_connection).checkin


async def _next_returned(pool: Any, queue: Any) -> Any:
    """The next record put back in the pool's queue, waited for as the pool waits (its
    timeout, its error), but without a greenlet and the task of `asyncio.wait_for`: a read
    waits like this whenever more reads run than the pool has connections. The fair pool's
    queue bounds the wait on its one timer (fair_pool.py), another pool's by asyncio.timeout."""
    waiting = queue._queue  # the asyncio.Queue the pool's queue adapts
    try:
        if isinstance(waiting, HandOff):
            return await waiting.get_within(pool.timeout())
        async with asyncio.timeout(pool.timeout()):
            return await waiting.get()
    except TimeoutError:
        from sqlalchemy.exc import TimeoutError as PoolTimeout  # the pool's own, as it raises it

        raise PoolTimeout(
            f"QueuePool limit of size {pool.size()} overflow {pool.overflow()} reached, "
            f"connection timed out, timeout {pool.timeout():0.2f}",
            code="3o7r",
        ) from None


class _Lent:
    """A pool's record lent without its proxy: back to the queue at the checkin."""

    __slots__ = ("_driver", "_record")

    def __init__(self, record: Any, driver: Any) -> None:
        self._record = record
        self._driver = driver

    async def checkin(self) -> None:
        # Nothing to await (no transaction to roll back). One cut under its statement, or left
        # in a transaction on the driver (a ROLLBACK that failed), is marked invalid, so that no
        # checkout (the engine's or ours) lends it as it is: the next one reopens it.
        if self._driver.is_closed() or self._driver.is_in_transaction():
            self._record.invalidate(soft=True)
        self._record.checkin(_fairy_was_created=False)


def _ready(pool: Any, record: Any, adapted: Any) -> bool:
    """Whether `record` can be lent as it is, without I/O: what its get_connection() checks
    (open, not due for recycling nor invalidated since it opened), its driver connection not
    cut, and in no transaction (one of SQLAlchemy's adapter: a statement of a connect hook
    begins one, which the pool's reset rolls back; asyncpg says it, as the server does)."""
    if adapted is None:
        return False
    driver = adapted.driver_connection
    started = record.starttime
    return not (
        driver.is_closed()
        or driver.is_in_transaction()
        or pool._invalidate_time > started
        or record._soft_invalidate_time > started
        or time.time() - started > POOL_RECYCLE
    )


def _make_ready(record: Any) -> Any:
    """In a greenlet: what the pool's checkout does for `record` (reopened when it is cut,
    invalidated or due for recycling), and its adapter's transaction rolled back (the DB-API
    rollback, as the pool's reset: nothing when there is none); one left open on the driver
    itself, which no adapter knows to end, is ended by reopening the connection. On failure the
    record goes back to the pool invalidated, as the pool's own checkout does."""
    try:
        adapted = record.dbapi_connection
        if adapted is not None and adapted.driver_connection.is_closed():
            record.invalidate()
        adapted = record.get_connection()
        adapted.rollback()
        if adapted.driver_connection.is_in_transaction():
            record.invalidate()
            adapted = record.get_connection()
            adapted.rollback()
    except BaseException as error:
        with safe_reraise():
            record._checkin_failed(error, _fairy_was_created=False)
        raise
    return adapted


async def _proxied_checkout(pool: Any) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """The pool's usual checkout, in a greenlet (it may open a connection or wait for one)."""
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


# [adapter:postgresql end]
