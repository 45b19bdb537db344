"""Every port the ordering context uses, on each kind of store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any  # [adapter:postgresql]

import pytest
from sqlalchemy import delete

from adapters.catalog.memory import MemoryCatalogUnitOfWork
from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.ordering import postgres_orders  # [adapter:postgresql]
from adapters.ordering.memory import MemoryOrderingUnitOfWork
from adapters.ordering.memory_projections import MemoryOrderDetailsStore, MemoryOrderSummaryStore
from adapters.ordering.postgres import PostgresOrderDetailsStore  # [adapter:postgresql]
from adapters.ordering.sql import SqlOrderingUnitOfWork
from adapters.ordering.sql_projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from adapters.ordering.tables import order_details, order_summaries
from adapters.persistence.memory.event_store import MemoryEventStore
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.tables import projection_state
from adapters.system.ids import Uuid7Generator
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.order_events import ORDERING_EVENTS
from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.read_models import OrderDetailsStore, OrderSummaryStore
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.event_store import EventStore
from application.shared.ports.outbox import Outbox
from domain.catalog.repository import CatalogUnitOfWork
from tests.contract.conftest import STORES, empty_event_store, sql_database
from tests.support.ordering.shop import MemoryParts


@dataclass
class OrderingStores:
    catalog_uow: CatalogUnitOfWorkFactory
    ordering_uow: OrderingUnitOfWorkFactory
    events: EventStore
    summaries: OrderSummaryStore
    details: OrderDetailsStore
    # Both units of work write their integration events here, as the container wires them.
    outbox: Outbox


def _order_events() -> IntegrationEvents:
    registry = EventRegistry(CATALOG_EVENTS, ORDERING_EVENTS)
    return IntegrationEvents(registry, Uuid7Generator())


# Each engine's OrderDetailsStore, as the container picks it (the others: SqlOrderDetailsStore).
DETAILS: dict[str, type[SqlOrderDetailsStore]] = {
    "postgresql": PostgresOrderDetailsStore,  # [adapter:postgresql]
}


@pytest.fixture(params=STORES)
async def ordering_stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OrderingStores]:
    """Every port the ordering context uses, empty, on one store of each kind."""
    store: str = request.param
    if store == "memory":
        parts = MemoryParts()
        memory_outbox = MemoryOutbox(_order_events())

        def memory_catalog(*, read_only: bool = False) -> CatalogUnitOfWork:
            return MemoryCatalogUnitOfWork(parts.catalog, read_only=read_only, outbox=memory_outbox)

        def memory_ordering(*, read_only: bool = False) -> OrderingUnitOfWork:
            return MemoryOrderingUnitOfWork(
                parts.log, parts.catalog, read_only=read_only, outbox=memory_outbox
            )

        yield OrderingStores(
            memory_catalog,
            memory_ordering,
            MemoryEventStore(parts.log),
            MemoryOrderSummaryStore(parts.projections),
            MemoryOrderDetailsStore(parts.projections),
            memory_outbox,
        )
        return
    database = await sql_database(store, tmp_path)
    await empty_event_store(database)
    async with database.engine.begin() as connection:
        for table in (order_summaries, order_details, projection_state):
            await connection.execute(delete(table))

    sql_outbox = SqlOutbox(database, _order_events())

    def catalog_uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=sql_outbox)

    def ordering_uow(*, read_only: bool = False) -> OrderingUnitOfWork:
        return SqlOrderingUnitOfWork(database, read_only=read_only, outbox=sql_outbox)

    try:
        yield OrderingStores(
            catalog_uow,
            ordering_uow,
            SqlEventStore(database),
            SqlOrderSummaryStore(database),
            DETAILS.get(store, SqlOrderDetailsStore)(database),
            sql_outbox,
        )
    finally:
        await database.dispose()


# [adapter:postgresql begin]
@pytest.fixture
def one_statements(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each one-statement order sent: whether it took the stock (and wrote its rows)."""
    sent: list[bool] = []
    place = postgres_orders.place_in_one_statement

    async def counted(*args: Any) -> Any:
        taken = await place(*args)
        sent.append(taken is not None)
        return taken

    monkeypatch.setattr("adapters.ordering.sql.place_in_one_statement", counted)
    return sent


# [adapter:postgresql end]
