"""The ordering context wired on in-memory adapters (or given ones), for application tests."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from adapters.catalog.memory import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.ordering.memory import MemoryOrderingUnitOfWork
from adapters.ordering.memory_projections import (
    MemoryOrderDetailsStore,
    MemoryOrderSummaryStore,
    MemoryProjectionData,
)
from adapters.ordering.payments.fake import FakePaymentGateway
from adapters.persistence.memory.event_store import MemoryEventLog, MemoryEventStore
from adapters.system.ids import Uuid7Generator
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.get_product import GetProduct, GetProductHandler
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.ordering.cancel_order import CancelOrderHandler
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.get_order import GetOrderHandler
from application.ordering.list_orders import ListOrdersHandler
from application.ordering.order_history import GetOrderAsOfHandler, GetOrderHistoryHandler
from application.ordering.pay_order import PayOrderHandler
from application.ordering.payments import PaymentGateway
from application.ordering.place_order import LineRequest, PlaceOrder, PlaceOrderHandler
from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.projections import fold_details, fold_summary
from application.ordering.read_models import OrderDetailsStore, OrderSummaryStore
from application.ordering.ship_order import ShipOrderHandler
from application.ordering.unit_of_work import OrderingUnitOfWork
from application.shared.ports.clock import Clock
from application.shared.ports.event_store import EventStore
from application.shared.projector import Projection, Projector
from application.shared.retry import RetriedOnConflict
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.tenant import Tenant
from tests.support.catalog.reader import ReaderOverUnitOfWork


@dataclass
class MemoryParts:
    catalog: MemoryCatalogStore = field(default_factory=MemoryCatalogStore)
    log: MemoryEventLog = field(default_factory=MemoryEventLog)
    projections: MemoryProjectionData = field(default_factory=MemoryProjectionData)

    def catalog_uow(self, *, read_only: bool = False) -> CatalogUnitOfWork:
        return MemoryCatalogUnitOfWork(self.catalog, read_only=read_only)

    def ordering_uow(self, *, read_only: bool = False) -> OrderingUnitOfWork:
        return MemoryOrderingUnitOfWork(self.log, self.catalog, read_only=read_only)


class CaughtUpProjector(Projector):
    """The tests' projector: `catch_up` goes on until every projection has read the store's
    last event. On PostgreSQL a read can hold committed events back for a moment (the horizon
    counts a transaction of another database that ends while the read runs, event_store.py's
    _SAFE_XID): one catch-up then stops short, which a running projector's next poll mends,
    but a test that reads the projections right after it would see them behind."""

    async def catch_up(self, names: Sequence[str] | None = None) -> int:
        consumed = await super().catch_up(names)
        for _ in range(500):  # ~5 s
            head = await self._events.head_position()
            positions = [(await each.store.state()).position for each in self._pick(names)]
            if all(position == head for position in positions):
                return consumed
            await asyncio.sleep(0.01)
            consumed += await super().catch_up(names)
        raise AssertionError("the projections did not catch up with the event store's head")


class Shop:
    """Every ordering use case, plus the catalog's create/get, over one set of stores."""

    def __init__(
        self,
        clock: Clock,
        *,
        catalog_uow: CatalogUnitOfWorkFactory,
        ordering_uow: OrderingUnitOfWorkFactory,
        events: EventStore,
        summaries: OrderSummaryStore,
        details: OrderDetailsStore,
        payments: PaymentGateway | None = None,
        wait_seconds: float = 0.05,
    ) -> None:
        ids = Uuid7Generator()
        self.payments = payments or FakePaymentGateway()
        self.events = events
        self.details = details
        self.create_product = CreateProductHandler(catalog_uow, clock, ids)
        self.get_product = GetProductHandler(ReaderOverUnitOfWork(catalog_uow))
        self.place = RetriedOnConflict(PlaceOrderHandler(ordering_uow, clock, ids))
        self.pay = PayOrderHandler(ordering_uow, self.payments, clock, ids)
        self.ship = RetriedOnConflict(ShipOrderHandler(ordering_uow, clock, ids))
        self.cancel = CancelOrderHandler(ordering_uow, self.payments, clock, ids)
        self.get = GetOrderHandler(details, wait_seconds=wait_seconds, poll_seconds=0.005)
        self.list = ListOrdersHandler(summaries)
        self.history = GetOrderHistoryHandler(events)
        self.as_of = GetOrderAsOfHandler(events)
        self.projector = CaughtUpProjector(
            events,
            [Projection(summaries, fold_summary), Projection(details, fold_details)],
            ORDER_EVENT_CODEC,
            batch_size=7,
        )

    @classmethod
    def in_memory(
        cls, clock: Clock, payments: PaymentGateway | None = None, parts: MemoryParts | None = None
    ) -> Shop:
        parts = parts or MemoryParts()
        return cls(
            clock,
            catalog_uow=parts.catalog_uow,
            ordering_uow=parts.ordering_uow,
            events=MemoryEventStore(parts.log),
            summaries=MemoryOrderSummaryStore(parts.projections),
            details=MemoryOrderDetailsStore(parts.projections),
            payments=payments,
        )

    async def product(
        self, sku: str, price: str = "2.50", stock: int = 10, tenant: Tenant | None = None
    ) -> UUID:
        view = await self.create_product(
            CreateProduct(
                tenant=tenant or Tenant.single(),
                sku=sku,
                name=sku,
                price_amount=price,
                price_currency="EUR",
                stock=stock,
            )
        )
        return view.id

    async def stock(self, product_id: UUID, tenant: Tenant | None = None) -> int:
        return (await self.get_product(GetProduct(tenant or Tenant.single(), product_id))).stock


# Two customers of the single tenant.
ALICE, BOB = UUID(int=1), UUID(int=2)


async def place(shop: Shop, *lines: tuple[UUID, int], customer: UUID = ALICE) -> UUID:
    """Place one order of (product, quantity) lines; its id."""
    result = await shop.place(
        PlaceOrder(
            tenant=Tenant.single(),
            customer_id=customer,
            lines=tuple(LineRequest(p, q) for p, q in lines),
        )
    )
    assert result.version == 1
    return result.order_id
