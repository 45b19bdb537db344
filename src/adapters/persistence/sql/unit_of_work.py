"""SqlUnitOfWork: one SQLAlchemy connection and transaction per unit of work."""

from __future__ import annotations

from abc import abstractmethod
from contextlib import suppress
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.row_security import enter_tenant  # [adapter:postgresql]
from application.shared.errors import DependencyUnavailable
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant
from domain.shared.unit_of_work import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Read-only units of work run in autocommit: a read is one round trip, with no BEGIN
    (with row security in a transaction, rolled back: the tenant it enters lasts as long).

    With an `outbox`, a commit first inserts the integration events of its domain events, in the
    same transaction as the state change.
    """

    def __init__(
        self, database: SqlDatabase, *, read_only: bool = False, outbox: SqlOutbox | None = None
    ) -> None:
        self._database = database
        self.read_only = read_only
        self._outbox = outbox

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Whatever the block or the rollback raised for a lost database leaves as one error."""
        try:
            await super().__aexit__(exc_type, exc, tb)
        except Exception as error:
            if isinstance(exc, DependencyUnavailable):
                raise exc from None
            for cause in (exc, error):
                translated = self._used.unavailable(cause) if cause is not None else None
                if translated is not None:
                    raise translated from cause
            raise
        if exc is None:
            self._used.reached(self._began_at)
        elif isinstance(exc, Exception) and (translated := self._used.unavailable(exc)):
            raise translated from exc

    async def _begin(self) -> None:
        # Queries read from the replica when there is one; commands from the primary.
        database = self._database.for_reads() if self.read_only else self._database
        try:
            await self._open(database)
        except DependencyUnavailable:
            if database is self._database:
                raise
            await self._open(self._database)  # the replica cannot be reached: the primary answers
        self._open_repositories(self._connection)

    async def _open(self, db: SqlDatabase) -> None:
        self._used = db
        autocommit = self.read_only and not db.row_security
        engine = db.autocommit_engine if autocommit else db.engine
        self._transaction: AsyncTransaction | None = None
        self._tenant: Tenant | None = None
        self._began_at = db.outages
        waiting = db.wait_began()
        try:
            self._connection: AsyncConnection = await engine.connect()
            db.wait_ended(waiting)
        except Exception as error:
            if (translated := db.unavailable(error)) is not None:
                raise translated from error
            raise
        try:
            if not autocommit:
                self._transaction = await self._connection.begin()
        except Exception as error:
            with suppress(Exception):  # the connection may be gone already; the cause is raised
                await self._connection.close()
            if (translated := db.unavailable(error)) is not None:
                raise translated from error
            raise

    @abstractmethod
    def _open_repositories(self, connection: AsyncConnection) -> None: ...

    async def enter(self, tenant: Tenant) -> None:
        """Before a statement on a tenant table: with row security, tell PostgreSQL the tenant
        (once per tenant and transaction); otherwise nothing."""
        # [adapter:postgresql begin]
        if self._used.row_security and tenant != self._tenant:
            await enter_tenant(self._connection, tenant)
            self._tenant = tenant
        # [adapter:postgresql end]

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only or self._transaction is None:
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
