"""SqlOrderingUnitOfWork: product changes and event appends on one connection, one transaction.

Appends are staged and written at commit, after every product update (and after the outbox rows,
when the unit of work has an outbox: order events are integration events too). On SQLite and
MariaDB the event store's head row lock (which orders positions) is then taken last and held only
for the append and the COMMIT, and every transaction takes its locks in the same order (products
by id, then the head), so ordering transactions cannot deadlock each other. On PostgreSQL appends
take no shared lock (adapters/persistence/sql/event_store.py).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError  # [adapter:postgresql]
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.catalog.postgres import PostgresProductRepository  # [adapter:postgresql]
from adapters.catalog.sql import SqlProductRepository
from adapters.ordering.catalog_stock import CatalogStock
from adapters.persistence.sql.event_store import (
    append_on,
    checked_rows,  # [adapter:postgresql]
    head_on,
    inserting_rows,  # [adapter:postgresql]
    read_all_on,
    read_on,
    refused_append,  # [adapter:postgresql]
)
from adapters.persistence.sql.notify import (  # [adapter:postgresql]
    execute_multirow,  # [adapter:postgresql]
    together,  # [adapter:postgresql]
)  # [adapter:postgresql]
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from adapters.persistence.staged_events import StagedEvents
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import RecordedEvent
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from domain.shared.tenant import Tenant


class SqlStagedEvents(StagedEvents):
    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__()
        self._conn = connection

    async def flush(self) -> None:
        for stream_id, (expected_version, events) in sorted(self.staged.items()):
            await append_on(self._conn, stream_id, expected_version, events)
        self.staged.clear()

    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        return await read_on(self._conn, stream_id, from_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return await read_all_on(self._conn, after_position, limit)

    async def head_position(self) -> int:
        return await head_on(self._conn)


class SqlStock(CatalogStock):
    """CatalogStock taking units with the repository's one statement first; when that took
    nothing (no product, too few units, or no UPDATE ... RETURNING on the engine), the read and
    the versioned update tell which, with the same answers."""

    def __init__(self, products: SqlProductRepository) -> None:
        super().__init__(products)
        self._sql = products

    async def take(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> Money | None:
        taken = await self._sql.take_stock(tenant, product_id, quantity, reason=reason, now=now)
        if taken is not None:
            return taken.price
        return await super().take(tenant, product_id, quantity, reason=reason, now=now)


class SqlOrderingUnitOfWork(SqlUnitOfWork, OrderingUnitOfWork):
    stores_events = True  # its commits wake the projectors too
    # On PostgreSQL: the stock taken, the appends and the COMMIT on the driver (see _commit).
    begins_on_driver = True

    def _open_repositories(self, connection: AsyncConnection) -> None:
        products = SqlProductRepository(connection, self, enter=self.enter)
        # [adapter:postgresql begin]
        if (transaction := self._driver_transaction) is not None:  # the stock taken on the driver
            products = PostgresProductRepository(
                connection, self, driver=transaction.driver, enter=self.enter
            )
        # [adapter:postgresql end]
        self.stock = SqlStock(products)
        self.events = self._staged = SqlStagedEvents(connection)

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:  # its connection may autocommit: appends there would not be atomic
            raise RuntimeError("a read-only unit of work cannot commit")
        # [adapter:postgresql begin]
        if (
            self._outbox is not None
            and events
            and len(self._staged.staged) == 1
            and self._driver_transaction is not None
        ):
            await self._commit_with_appends(events)
            return
        # [adapter:postgresql end]
        # Product updates, then the outbox rows (with an outbox), then the appends: last.
        await super()._commit(events)

    # [adapter:postgresql begin]
    async def _commit_with_appends(self, events: list[DomainEvent]) -> None:
        """The outbox rows and the stream's new events as one statement, then COMMIT, both on
        the driver: one round trip fewer than each insert alone (no head row lock to take last
        on PostgreSQL), and none of SQLAlchemy's statement and commit work (a greenlet, its
        bookkeeping: more CPU than the round trip); the other processes are told after the
        commit (`notify`)."""
        assert self._outbox is not None
        transaction = self._driver_transaction
        assert transaction is not None
        await self.flush()
        integration = self._outbox.prepare(events)
        await self._enter_all({event.tenant for event in integration})
        ((stream_id, (expected_version, new)),) = self._staged.staged.items()
        rows = await checked_rows(self._connection, stream_id, expected_version, new)
        self._staged.staged.clear()
        outbox_rows, parameters = self._outbox.inserting(integration)
        for n, row in enumerate(rows):
            parameters.update({f"e{n}_{name}": value for name, value in row.items()})
        statement = together((outbox_rows, inserting_rows(len(rows))))
        try:
            await execute_multirow(
                self._connection, statement, parameters, driver=transaction.driver
            )
        except IntegrityError as error:
            raise refused_append(error, stream_id, expected_version) from None
        await transaction.commit()
        self._transaction = None
        self._outbox.notify()

    # [adapter:postgresql end]

    async def _last_writes(self) -> None:
        await self._staged.flush()
