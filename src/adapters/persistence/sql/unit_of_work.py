"""SqlUnitOfWork: one SQLAlchemy connection and transaction per unit of work."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sqlalchemy import Insert, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.persistence.sql.database import SqlDatabase

# [adapter:postgresql begin]
from adapters.persistence.sql.driver_sql import DriverStatement, execute_ordered_on_driver
from adapters.persistence.sql.driver_transaction import DriverTransaction, begin_on_driver
from adapters.persistence.sql.notify import InsertShape, insert_names, with_inserts

# [adapter:postgresql end]
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.reading import driver_checkout  # [adapter:postgresql]
from adapters.persistence.sql.row_security import enter_tenant  # [adapter:postgresql]
from application.shared.errors import DependencyUnavailable
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant
from domain.shared.unit_of_work import UnitOfWork

_T = TypeVar("_T")

# What an IntegrityError of an insert means to its repository (a DuplicateSku), or None.
Refusal = Callable[[IntegrityError], Exception | None]


class _Transaction(Protocol):
    """SQLAlchemy's AsyncTransaction, or a DriverTransaction (PostgreSQL)."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _Insert:
    table: Any
    row: dict[str, Any]
    refusal: Refusal


class SqlUnitOfWork(UnitOfWork):
    """Read-only units of work run in autocommit: a read is one round trip, with no BEGIN
    (with row security in a transaction, rolled back: the tenant it enters lasts as long).

    With an `outbox`, a commit first inserts the integration events of its domain events, in the
    same transaction as the state change.

    On PostgreSQL, a unit of work whose class sets `defers_inserts` keeps its repositories'
    inserts (`insert`) until it must send them: at the commit, when nothing else was sent, they go
    with the outbox row as one autocommitted statement (one round trip instead of
    BEGIN, the inserts, the outbox, COMMIT; a single statement is atomic, so the outbox row still
    commits with the state or not at all). Anything else sent first (`flush`, which repositories
    call before their other statements) begins the transaction and sends them as usual. A refused
    insert (a duplicate) is then refused at the commit. With row security the tenant must be
    entered in a transaction first, so inserts are not deferred. Such a unit of work checks its
    connection out only when a statement needs it; the one statement goes on a driver
    connection of the pool's own, compiled once (driver_sql.py), past SQLAlchemy's connection
    and execution context, which cost more CPU than the rest of the write (bench/README.md).
    """

    defers_inserts = False
    # On PostgreSQL, whether a writing unit of work begins its transaction on the driver's
    # connection (driver_transaction.py), to send statements of its own there.
    begins_on_driver = False
    # On PostgreSQL without row security, whether a unit of work that begins on the driver
    # begins only at its first statement (`flush`).
    begins_at_first_statement = False
    # Whether its transaction may append to the event store: if not, its commits ring only the
    # relays, not the projectors (Doorbell.ring).
    stores_events = False

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
        used, began_at = self._used, self._began_at  # set by `_begin`, so gone once it ends
        try:
            await super().__aexit__(exc_type, exc, tb)
        except Exception as error:
            if isinstance(exc, DependencyUnavailable):
                raise exc from None
            for cause in (exc, error):
                translated = used.unavailable(cause) if cause is not None else None
                if translated is not None:
                    raise translated from cause
            raise
        if exc is None:
            used.reached(began_at)
        elif isinstance(exc, Exception) and (translated := used.unavailable(exc)):
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
        on_driver = False
        # [adapter:postgresql begin]
        on_driver = self.begins_on_driver and not self.read_only and db.backend == "postgresql"
        self._driver_transaction: DriverTransaction | None = None
        # [adapter:postgresql end]
        autocommit = (self.read_only and not db.row_security) or on_driver
        engine = db.autocommit_engine if autocommit else db.engine
        self._transaction: _Transaction | None = None
        self._tenant: Tenant | None = None
        self._pending: list[_Insert] = []
        # Lazy: no transaction until a statement needs one (see the class's docstring). Not
        # with row security: the tenant is entered in the transaction, before any statement.
        self._lazy = (
            self.defers_inserts
            and not self.read_only
            and db.backend == "postgresql"
            and not db.row_security
        )
        self._began_at = db.outages
        # Not yet checked out: a lazy unit of work may never need it (a create goes on the
        # driver's own checkout); the repositories hold it, and `flush` starts it.
        self._connection: AsyncConnection = engine.connect()
        self._driver_begins, self._autocommit = on_driver, autocommit
        # [adapter:postgresql begin]
        # Its transaction begun at its first statement (`flush`), not here: the subclass may
        # write in one statement of its own at the commit (SqlOrderingUnitOfWork).
        self._begin_later = on_driver and self.begins_at_first_statement and not db.row_security
        if self._begin_later:
            return
        # [adapter:postgresql end]
        if self._lazy:
            return
        await self._begin_now()

    async def _begin_now(self) -> None:
        await self._checkout(self._connection.start)
        try:
            # [adapter:postgresql begin]
            if self._driver_begins:
                self._transaction = self._driver_transaction = await begin_on_driver(
                    self._connection
                )
            # [adapter:postgresql end]
            if not self._autocommit:
                self._transaction = await self._connection.begin()
        except Exception as error:
            with suppress(Exception):  # the connection may be gone already; the cause is raised
                await self._connection.close()
            if (translated := self._used.unavailable(error)) is not None:
                raise translated from error
            raise

    async def _checkout(self, checkout: Callable[[], Awaitable[_T]]) -> _T:
        """A connection out of the pool: its wait told to the pool's observer, and an outage
        turned into DependencyUnavailable."""
        waiting = self._used.wait_began(autocommit=self._autocommit)
        try:
            connection = await checkout()
        except Exception as error:
            if (translated := self._used.unavailable(error)) is not None:
                raise translated from error
            raise
        self._used.wait_ended(waiting, autocommit=self._autocommit)
        return connection

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

    # [adapter:postgresql begin]
    async def _enter_all(self, tenants: set[Tenant]) -> None:
        """Before the outbox rows (a tenant table): their tenant; with rows of several tenants
        in the one transaction (a unit of work whose events span organisations), every tenant,
        on purpose, as the rows' tenants come from the events and not from a request."""
        if not self._used.row_security:
            return
        if len(tenants) == 1:
            await self.enter(next(iter(tenants)))
        else:
            await self._used.act_for_every_tenant(self._connection)
            self._tenant = None

    # [adapter:postgresql end]

    async def insert(self, table: Any, row: dict[str, Any], refusal: Refusal) -> None:
        """Insert `row` into `table` now, or at the latest at the commit (`defers_inserts`)."""
        if self._lazy and self._transaction is None:
            self._pending.append(_Insert(table, row, refusal))
            return
        await self._send(_Insert(table, row, refusal))

    async def flush(self) -> None:
        """Before any other statement: begin the transaction and send the deferred inserts."""
        # [adapter:postgresql begin]
        if self._begin_later:
            self._begin_later = False
            await self._begin_now()
        # [adapter:postgresql end]
        if self._lazy and self._transaction is None:
            if self._connection.sync_connection is None:
                await self._checkout(self._connection.start)
            self._transaction = await self._connection.begin()
        pending, self._pending = self._pending, []
        for deferred in pending:
            await self._send(deferred)

    async def _send(self, deferred: _Insert) -> None:
        try:
            await self._connection.execute(_insert_of(deferred.table), deferred.row)
        except IntegrityError as error:
            raise (deferred.refusal(error) or error) from None

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        # [adapter:postgresql begin]
        if self._lazy and self._transaction is None and len(events) <= 1:
            await self._commit_as_one_statement(events)
            return
        # [adapter:postgresql end]
        await self.flush()
        assert self._transaction is not None
        if self._outbox is not None and events:
            integration = self._outbox.prepare(events)
            await self._enter_all({event.tenant for event in integration})  # [adapter:postgresql]
            await self._outbox.append(self._connection, integration, self.stores_events)
        await self._last_writes()
        await self._transaction.commit()
        self._transaction = None
        if self._outbox is not None and events:
            self._outbox.notify(self.stores_events)

    # [adapter:postgresql begin]
    async def _commit_as_one_statement(self, events: list[DomainEvent]) -> None:
        """The deferred inserts and the outbox row: one statement on the driver's connection,
        outside a transaction (so it commits by itself); the other processes are told after."""
        pending, self._pending = self._pending, []
        rows: dict[tuple[Any, tuple[str, ...]], list[dict[str, Any]]] = {}
        for deferred in pending:  # one insert per table (and columns), in the order first met
            rows.setdefault((deferred.table, tuple(deferred.row)), []).append(deferred.row)
        outbox = self._outbox if events else None
        if outbox is not None:
            table, row = outbox.row(outbox.prepare(events)[0])
            rows.setdefault((table, tuple(row)), []).append(row)
        if not rows:
            return  # nothing to write
        # Several rows of a table (a batch's) go as one array per column: one statement for
        # any batch size (with_inserts).
        shape = tuple((table, cols, len(listed) > 1) for (table, cols), listed in rows.items())
        values: list[Any] = []  # in the order of insert_names(shape), flattened
        for listed in rows.values():
            if len(listed) == 1:
                values.extend(listed[0].values())  # the columns' order
            else:
                values.extend(map(list, zip(*(row.values() for row in listed), strict=True)))
        try:
            if not await self._sent_on_driver(shape, values):
                names = [name for names in insert_names(shape) for name in names]
                await self._checkout(self._connection.start)
                connection = await self._connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(with_inserts(shape), dict(zip(names, values, strict=True)))
        except IntegrityError as error:
            for deferred in pending:
                if (refused := deferred.refusal(error)) is not None:
                    raise refused from None
            raise
        if outbox is not None:
            outbox.notify(self.stores_events)

    async def _sent_on_driver(self, shape: InsertShape, values: list[Any]) -> bool:
        """`with_inserts(shape)` on a driver connection of the pool's own (no AsyncConnection
        around it: a third of what is left of the create's database layers), `values` in the
        order of its names; False if it could not go."""
        driver, checkin = await self._checkout(lambda: driver_checkout(self._used))
        try:
            return await execute_ordered_on_driver(driver, _on_driver(shape), values)
        finally:
            await checkin()

    # [adapter:postgresql end]

    async def _last_writes(self) -> None:
        """Writes a subclass keeps for the very end of the transaction (just before COMMIT)."""

    async def _close(self) -> None:
        self._pending = []
        try:
            if self._transaction is not None:
                await self._transaction.rollback()
        finally:
            if self._connection.sync_connection is not None:  # a lazy one may never have been
                await self._connection.close()


# [adapter:postgresql begin]
@cache
def _on_driver(shape: InsertShape) -> DriverStatement:
    """`with_inserts(shape)` for the driver, compiled once, its values taken in the order of
    `insert_names(shape)`: on the driver's connection it skips SQLAlchemy's per-statement work
    (bench/README.md, "The product write on the driver")."""
    order = tuple(name for names in insert_names(shape) for name in names)
    return DriverStatement(with_inserts(shape), bind_processing=True, order=order)


# [adapter:postgresql end]


@cache
def _insert_of(table: Any) -> Insert:
    """An INSERT into `table`, built once (each execute binds its row)."""
    return insert(table)
