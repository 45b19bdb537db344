"""SqlUnitOfWork: one SQLAlchemy connection and transaction per unit of work."""

from __future__ import annotations

from abc import abstractmethod

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from adapters.persistence.sql.database import SqlDatabase
from domain.shared.events import DomainEvent
from domain.shared.unit_of_work import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Read-only units of work run in autocommit: a read is one round trip, with no BEGIN."""

    def __init__(self, database: SqlDatabase, *, read_only: bool = False) -> None:
        self._database = database
        self.read_only = read_only

    async def _begin(self) -> None:
        db = self._database
        engine = db.autocommit_engine if self.read_only else db.engine
        self._connection: AsyncConnection = await engine.connect()
        self._transaction: AsyncTransaction | None = None
        if not self.read_only:
            self._transaction = await self._connection.begin()
        self._open_repositories(self._connection)

    @abstractmethod
    def _open_repositories(self, connection: AsyncConnection) -> None: ...

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self._transaction is None:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self._transaction.commit()
        self._transaction = None

    async def _close(self) -> None:
        try:
            if self._transaction is not None:
                await self._transaction.rollback()
        finally:
            await self._connection.close()
