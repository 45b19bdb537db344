"""DriverTransaction: a unit of work's transaction begun and ended by the driver itself.

On PostgreSQL a unit of work may check its connection out of the autocommit engine and begin
its transaction on the asyncpg connection under it (asyncpg's `Connection.transaction()`, found
through SQLAlchemy's public `AsyncConnection.get_raw_connection().driver_connection`). Every
statement then runs in that one transaction: the unit of work's own calls on the driver (no
SQLAlchemy execution context, result, nor greenlet), and its repositories' Core statements on
the AsyncConnection too, which in autocommit never begin a transaction of their own. SQLAlchemy's
asyncpg adapter begins lazily, at its first statement, with no public way to begin it sooner:
this leaves it none to begin, and needs none of its private attributes.

The transaction must end before the connection goes back to the pool (the pool's reset rolls
back only a transaction of its adapter's): one that cannot be rolled back (the connection lost,
or a COMMIT interrupted) invalidates the connection, which the pool then closes (the server
rolls back what it had) and opens anew at its next checkout.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio.engine import AsyncConnection


class DriverTransaction:
    """The transaction of `driver` (asyncpg's connection under `connection`, an autocommit
    AsyncConnection): `commit` and `rollback` as an AsyncTransaction's."""

    __slots__ = ("_connection", "_ending", "_transaction", "driver")

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self._connection = connection
        self.driver = driver
        self._transaction = driver.transaction()
        self._ending = False  # a COMMIT was sent: asyncpg's transaction cannot be rolled back

    async def start(self) -> None:
        await self._transaction.start()

    async def commit(self) -> None:
        self._ending = True
        await self._transaction.commit()

    async def rollback(self) -> None:
        driver = self.driver
        try:
            if not self._ending and not driver.is_closed() and driver.is_in_transaction():
                await self._transaction.rollback()
        finally:
            await self.drop_if_open()

    async def drop_if_open(self) -> None:
        """Invalidate the connection if it is lost or still in a transaction: the pool must
        not lend it again as it is."""
        if self.driver.is_closed() or self.driver.is_in_transaction():
            await self._connection.invalidate()


async def begin_on_driver(connection: AsyncConnection) -> DriverTransaction:
    """BEGIN on the driver's connection under `connection` (started, autocommit)."""
    sync = connection.sync_connection
    # A connection just started holds its pooled connection: reached with no I/O (the public
    # `get_raw_connection()` would spawn a greenlet for it); else (invalidated) as it says.
    pooled = (
        sync.connection
        if sync is not None and not sync.invalidated
        else await connection.get_raw_connection()
    )
    transaction = DriverTransaction(connection, pooled.driver_connection)
    try:
        await transaction.start()
    except BaseException:
        await transaction.drop_if_open()  # a BEGIN interrupted, or the connection lost
        raise
    return transaction


__all__ = ["DriverTransaction", "begin_on_driver"]
