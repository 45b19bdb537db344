"""ForgetChangedProducts: each instance's memory cache forgets what another instance changed.

Two instances share one store (the database) and one broker (the bus server), and each keeps its
own memory cache; each runs the consumer as a listener, so each gets every event.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.cache.memory import MemoryCache
from adapters.catalog.memory import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.system.ids import Uuid7Generator
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.get_product import GetProduct
from application.catalog.invalidate_cache import PRODUCT_EVENT_TYPES, ForgetChangedProducts
from application.catalog.list_products import ListProducts
from application.catalog.product_events import CATALOG_EVENTS
from application.catalog.read_cache import (
    PRODUCT_EVENTS,
    CatalogReadCache,
    cached_get_product,
    cached_list_products,
)
from application.catalog.update_product import UpdateProduct, UpdateProductHandler
from application.messaging.consumers import ConsumerRunner
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.messaging.relay import OutboxRelay
from application.shared.after_commit import AfterCommit
from application.shared.ports.messaging import IntegrationEvent
from application.shared.read_through import ReadThrough
from domain.catalog import events as catalog_events
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant
from tests.support.catalog.reader import ReaderOverUnitOfWork
from tests.support.clock import SteppingClock

WAIT = 30.0  # a guard against hanging, never an assertion on speed
TTL = timedelta(minutes=5)
ids = Uuid7Generator()


class Instance:
    """One API process: its own cache and handlers, the shared store, outbox and broker."""

    def __init__(self, store: MemoryCatalogStore, outbox: MemoryOutbox, broker: MemoryBroker):
        self.store, self.outbox, self.db_reads = store, outbox, 0
        self.bus = MemoryMessageBus(broker)
        reads = ReadThrough(MemoryCache(max_entries=100))
        self.read_cache = CatalogReadCache(reads)
        self.after_commit = AfterCommit(self.read_cache.on_committed)
        clock = SteppingClock()
        self.create = CreateProductHandler(self.uow, clock, ids)
        self.update = UpdateProductHandler(self.uow, clock)
        self.get = cached_get_product(ReaderOverUnitOfWork(self.uow), reads, TTL)
        self.list = cached_list_products(ReaderOverUnitOfWork(self.uow), reads, TTL)
        self.runner = ConsumerRunner(self.bus, [], [ForgetChangedProducts(self.read_cache)])

    def uow(self, *, read_only: bool = False) -> CatalogUnitOfWork:
        if read_only:
            self.db_reads += 1
        uow = MemoryCatalogUnitOfWork(self.store, read_only=read_only, outbox=self.outbox)
        uow.on_committed = self.after_commit
        return uow


async def two_instances() -> tuple[Instance, Instance, OutboxRelay]:
    events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)
    store, outbox, broker = MemoryCatalogStore(), MemoryOutbox(events), MemoryBroker()
    a, b = Instance(store, outbox, broker), Instance(store, outbox, broker)
    await a.runner.start()
    await b.runner.start()
    return a, b, OutboxRelay(outbox, a.bus)


async def heard(instance: Instance, count: int) -> None:
    async def done() -> bool:
        return instance.runner.stats["catalog-cache"].applied >= count

    await eventually(done)


async def eventually(condition: object) -> None:
    async with asyncio.timeout(WAIT):
        while not await condition():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def test_a_write_on_one_instance_reaches_the_other_instances_cache() -> None:
    a, b, relay = await two_instances()
    made = await a.create(
        CreateProduct(
            tenant=Tenant.single(),
            sku="TEA-1",
            name="Green tea",
            price_amount="4.20",
            price_currency="EUR",
        )
    )
    await relay.relay_once()
    await heard(b, 1)  # ProductCreated reached B before it reads
    first = await b.get(GetProduct(Tenant.single(), made.id))
    await b.get(GetProduct(Tenant.single(), made.id))
    assert b.db_reads == 1  # the second read came from B's cache

    await a.update(UpdateProduct(tenant=Tenant.single(), product_id=made.id, name="Black tea"))
    # Until the event arrives, B still has the old entry: that is the staleness window.
    assert (await b.get(GetProduct(Tenant.single(), made.id))).name == "Green tea"
    await relay.relay_once()

    async def b_sees_the_change() -> bool:
        return (await b.get(GetProduct(Tenant.single(), made.id))).name == "Black tea"

    await eventually(b_sees_the_change)
    await a.runner.stop()
    await b.runner.stop()

    assert first.version == 1
    assert (await b.get(GetProduct(Tenant.single(), made.id))).version == 2
    assert b.runner.stats["catalog-cache"].applied >= 2  # created, then changed


async def test_a_new_product_drops_the_other_instances_cached_first_page() -> None:
    a, b, relay = await two_instances()
    assert (await b.list(ListProducts(tenant=Tenant.single(), limit=20))).items == []
    await a.create(
        CreateProduct(
            tenant=Tenant.single(),
            sku="TEA-2",
            name="White tea",
            price_amount="5",
            price_currency="EUR",
        )
    )
    await relay.relay_once()

    async def b_lists_it() -> bool:
        return [
            p.sku for p in (await b.list(ListProducts(tenant=Tenant.single(), limit=20))).items
        ] == ["TEA-2"]

    await eventually(b_lists_it)
    await a.runner.stop()
    await b.runner.stop()


async def test_events_about_something_else_are_skipped() -> None:
    a, _, _ = await two_instances()
    consumer = ForgetChangedProducts(a.read_cache)
    other = IntegrationEvent(
        id=ids.new_id(),
        type="catalog.CategoryRenamed",
        version=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        aggregate_id=UUID(int=1),
    )
    changed = IntegrationEvent(
        id=ids.new_id(),
        type="catalog.ProductChanged",
        version=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        aggregate_id=UUID(int=1),
    )

    assert await consumer(other) is False
    assert await consumer(changed) is True
    assert await consumer(changed) is True  # forgetting twice is harmless


def test_both_reactions_forget_exactly_the_catalogs_product_events() -> None:
    """The after-commit reaction (classes) and the listener (published names) read one list."""
    declared_in_domain = {
        value
        for value in vars(catalog_events).values()
        if isinstance(value, type) and issubclass(value, DomainEvent) and value is not DomainEvent
    }
    published = {t.name for t in EventRegistry(CATALOG_EVENTS).types}

    assert set(PRODUCT_EVENTS) == set(CATALOG_EVENTS.classes) == declared_in_domain
    assert PRODUCT_EVENT_TYPES == CATALOG_EVENTS.names == published
    assert {d.name for d in CATALOG_EVENTS if d.event in PRODUCT_EVENTS} == PRODUCT_EVENT_TYPES


async def test_what_one_fetch_brought_is_forgotten_in_one_pass() -> None:
    """Every order's StockAdjusted reaches every API process: a listener's fetch is applied at
    once (`apply_all`), one cache call for the batch instead of one per event."""
    a, b, relay = await two_instances()
    tenant = Tenant.single()
    made = [
        await a.create(
            CreateProduct(
                tenant=tenant, sku=f"TEA-{n}", name="Tea", price_amount="4", price_currency="EUR"
            )
        )
        for n in range(3)
    ]
    await relay.relay_once()
    await heard(b, 3)
    for product in made:
        await b.get(GetProduct(tenant, product.id))
    reads_cached = b.db_reads
    calls: list[list[UUID]] = []
    forget = b.read_cache.forget_products

    async def counted(tenant: Tenant, product_ids: object) -> None:
        calls.append(list(product_ids))  # type: ignore[call-overload]
        await forget(tenant, calls[-1])

    b.read_cache.forget_products = counted  # type: ignore[method-assign]
    for product in made:
        await a.update(UpdateProduct(tenant=tenant, product_id=product.id, name="Black tea"))
    await relay.relay_once()  # the three changes published together
    await heard(b, 6)
    await a.runner.stop()
    await b.runner.stop()

    assert calls == [[product.id for product in made]]
    assert [(await b.get(GetProduct(tenant, p.id))).name for p in made] == ["Black tea"] * 3
    assert b.db_reads == reads_cached + 3  # each forgotten, read again once
