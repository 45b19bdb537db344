"""SqlUnitOfWork: one SQLAlchemy connection and transaction per unit of work."""

from __future__ import annotations

from abc import abstractmethod

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from domain.shared.events import DomainEvent
from domain.shared.unit_of_work import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Read-only units of work run in autocommit: a read is one round trip, with no BEGIN.

    With an `outbox`, a commit first inserts the integration events of its domain events, in the
    same transaction as the state change.
    """

    def __init__(
        self, database: SqlDatabase, *, read_only: bool = False, outbox: SqlOutbox | None = None
    ) -> None:
        self._database = database
        self.read_only = read_only
        self._outbox = outbox

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
        if self._outbox is not None and events:
            await self._outbox.append(self._connection, self._outbox.prepare(events))
        await self._last_writes()
        await self._transaction.commit()
        self._transaction = None
        if self._outbox is not None and events:
            self._outbox.notify()

    async def _last_writes(self) -> None:
        """Writes a subclass keeps for the very end of the transaction (just before COMMIT)."""

    async def _close(self) -> None:
        try:
            if self._transaction is not None:
                await self._transaction.rollback()
        finally:
            await self._connection.close()
