"""SqlOrderingUnitOfWork: product changes and event appends on one connection, one transaction.

Appends are staged and written at commit, after every product update (and after the outbox rows,
when the unit of work has an outbox: order events are integration events too). On SQLite and
MariaDB the event store's head row lock (which orders positions) is then taken last and held only
for the append and the COMMIT, and every transaction takes its locks in the same order (products
by id, then the head), so ordering transactions cannot deadlock each other. On PostgreSQL appends
take no shared lock (adapters/persistence/sql/event_store.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError  # [adapter:postgresql]
from sqlalchemy.ext.asyncio.engine import AsyncConnection

from adapters.catalog.postgres import (  # [adapter:postgresql]
    PostgresProductRepository,  # [adapter:postgresql]
    stock_taken,  # [adapter:postgresql]
)  # [adapter:postgresql]
from adapters.catalog.sql import (
    SqlProductRepository,
    taken_product,  # [adapter:postgresql]
)
from adapters.ordering.catalog_stock import CatalogStock
from adapters.ordering.postgres_orders import (  # [adapter:postgresql]
    PRICES,  # [adapter:postgresql]
    StagedTake,  # [adapter:postgresql]
    place_in_one_statement,  # [adapter:postgresql]
)  # [adapter:postgresql]
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
from adapters.persistence.sql.outbox import SqlOutbox  # [adapter:postgresql]
from adapters.persistence.sql.reading import driver_checkout  # [adapter:postgresql]
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from adapters.persistence.staged_events import StagedEvents
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import RecordedEvent
from domain.shared.errors import ConcurrentUpdate  # [adapter:postgresql]
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from domain.shared.tenant import Tenant


class SqlStagedEvents(StagedEvents):
    def __init__(self, connection: AsyncConnection, before: Callable[[], Awaitable[None]]) -> None:
        super().__init__()
        self._conn = connection
        self._before = before  # the unit of work's flush: its transaction begun, if not yet

    async def flush(self) -> None:
        for stream_id, (expected_version, events) in sorted(self.staged.items()):
            await append_on(self._conn, stream_id, expected_version, events)
        self.staged.clear()

    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        await self._before()
        return await read_on(self._conn, stream_id, from_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        await self._before()
        return await read_all_on(self._conn, after_position, limit)

    async def head_position(self) -> int:
        await self._before()
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


# [adapter:postgresql begin]
class PostgresStock(SqlStock):
    """SqlStock that leaves a one-line order's take, at the price remembered for its product,
    to the unit of work's commit (adapters/ordering/postgres_orders.py); any other take goes
    in the transaction, and remembers the price it found."""

    def __init__(self, products: SqlProductRepository, uow: SqlOrderingUnitOfWork) -> None:
        super().__init__(products)
        self._uow = uow

    async def take_all(
        self,
        tenant: Tenant,
        lines: Sequence[tuple[UUID, int]],
        *,
        reason: str,
        now: datetime,
    ) -> list[Money | None]:
        if len(lines) == 1 and self._uow.may_stage_take():
            ((product_id, quantity),) = lines
            if (price := PRICES.get(tenant, product_id)) is not None:
                self._uow.stage_take(StagedTake(tenant, product_id, quantity, price, reason, now))
                return [price]
        return await super().take_all(tenant, lines, reason=reason, now=now)

    async def take(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> Money | None:
        price = await super().take(tenant, product_id, quantity, reason=reason, now=now)
        if price is not None:
            PRICES.remember(tenant, product_id, price)
        return price


# [adapter:postgresql end]
class SqlOrderingUnitOfWork(SqlUnitOfWork, OrderingUnitOfWork):
    stores_events = True  # its commits wake the projectors too
    # On PostgreSQL: the stock taken, the appends and the COMMIT on the driver (see _commit),
    # the transaction begun at the first statement: a one-line order is one statement.
    begins_on_driver = True
    begins_at_first_statement = True

    def _open_repositories(self, connection: AsyncConnection) -> None:
        products = SqlProductRepository(connection, self, enter=self.enter)
        self.stock = SqlStock(products)
        # [adapter:postgresql begin]
        self._staged_take: StagedTake | None = None
        if self._driver_begins:  # the stock taken on the driver
            products = PostgresProductRepository(
                connection, self, driver=self._driver, enter=self.enter
            )
            self.stock = PostgresStock(products, self)
        # [adapter:postgresql end]
        self.events = self._staged = SqlStagedEvents(connection, self.flush)

    # [adapter:postgresql begin]
    def _driver(self) -> Any:
        assert self._driver_transaction is not None
        return self._driver_transaction.driver

    def may_stage_take(self) -> bool:
        """Whether a take may wait for the commit: nothing sent yet, nothing staged."""
        return self._begin_later and self._staged_take is None and self._outbox is not None

    def stage_take(self, take: StagedTake) -> None:
        self._staged_take = take

    async def flush(self) -> None:
        await super().flush()
        if (take := self._staged_take) is not None:  # a statement first: the take in it
            self._staged_take = None
            price = await self.stock.take(
                take.tenant, take.product_id, take.quantity, reason=take.reason, now=take.now
            )
            if price != take.price:
                raise self._missed(take)

    @staticmethod
    def _missed(take: StagedTake) -> ConcurrentUpdate:
        """The remembered price no longer holds (or the units are gone): the use case again,
        in a transaction."""
        PRICES.forget(take.tenant, take.product_id)
        return ConcurrentUpdate(f"product {take.product_id} changed since its price was read")

    # [adapter:postgresql end]

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:  # its connection may autocommit: appends there would not be atomic
            raise RuntimeError("a read-only unit of work cannot commit")
        # [adapter:postgresql begin]
        if (
            self._staged_take is not None
            and self._begin_later
            and len(self._staged.staged) == 1
            and next(iter(self._staged.staged.values()))[0] == 0  # a new stream: no read
            and await self._commit_in_one_statement(self._staged_take, events)
        ):
            return
        if self._begin_later:  # nothing sent yet: BEGIN now, and a waiting take in it
            await self.flush()
            events[:0] = self._collect_events()  # the take's StockAdjusted, first as before
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

    async def _commit_in_one_statement(self, take: StagedTake, events: list[DomainEvent]) -> bool:
        """The staged take, the outbox rows and the new stream's events as one autocommitted
        statement (postgres_orders.py); False, with nothing sent, when no connection outside a
        transaction is at hand. `events` gets the product's StockAdjusted first, as it would
        have been recorded on the transaction's way (the order of `committed_events`)."""
        outbox = self._outbox
        assert outbox is not None
        ((stream_id, (_, new)),) = self._staged.staged.items()
        rows = await checked_rows(self._connection, stream_id, 0, new)
        # StockAdjusted's row as the registry encodes it; the statement sets stock and version.
        placeholder = stock_taken(
            take.tenant, take.product_id, take.quantity, reason=take.reason, now=take.now
        )
        prepared = outbox.prepare([placeholder, *events])
        if not prepared or prepared[0].aggregate_id != take.product_id:  # not published
            return False
        stock_event, *integration = prepared
        stock_row = SqlOutbox.row(stock_event)[1]
        outbox_rows = [SqlOutbox.row(event)[1] for event in integration]
        driver, checkin = await self._checkout(lambda: driver_checkout(self._used))
        try:
            if driver.is_in_transaction():  # a connect hook's statement began one
                return False
            try:
                taken = await place_in_one_statement(driver, take, stock_row, outbox_rows, rows)
            except IntegrityError as error:
                raise refused_append(error, stream_id, 0) from None
        finally:
            await checkin()
        self._staged_take = None
        self._staged.staged.clear()
        if taken is None:
            raise self._missed(take)
        product = taken_product(taken, take.quantity, reason=take.reason, now=take.now)
        events[:0] = product.pull_events()
        outbox.notify()
        return True

    # [adapter:postgresql end]

    async def _last_writes(self) -> None:
        await self._staged.flush()
