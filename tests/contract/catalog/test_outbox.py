"""ONE contract for the Outbox (written by the unit of work, read by relays), on every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from application.messaging.context import MessageContext, message_context
from application.shared.ports.messaging import IntegrationEvent
from domain.catalog.errors import DuplicateSku
from domain.catalog.product import Product
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import MessagingStore

T0 = datetime(2026, 4, 1, 9, 0, 0, 250000, tzinfo=UTC)
ids = Uuid7Generator()


def new_product(sku: str) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=ids.new_id(),
        sku=sku,
        name=f"Product {sku}",
        description="",
        price=Money.of("3.20", "EUR"),
        stock=10,
        now=T0,
    )


async def create(store: MessagingStore, *products: Product) -> None:
    async with store.catalog() as uow:
        for product in products:
            await uow.products.add(product)
        await uow.commit()


async def adjust(store: MessagingStore, product_id: UUID, delta: int) -> None:
    async with store.catalog() as uow:
        product = await uow.products.get(Tenant.single(), product_id)
        assert product is not None
        product.adjust_stock(delta=delta, reason="count", now=T0 + timedelta(minutes=1))
        await uow.products.update(product)
        await uow.commit()


async def claim_all(store: MessagingStore) -> list[IntegrationEvent]:
    async with store.outbox.claim(100) as batch:
        return list(batch.events)


async def test_a_commit_writes_its_integration_events(messaging_store: MessagingStore) -> None:
    product = new_product("SKU-1")
    context = MessageContext(correlation_id="req-42", causation_id="cause-7", actor="ada")
    with message_context(context):
        await create(messaging_store, product)

    [event] = await claim_all(messaging_store)

    assert (event.type, event.version) == ("catalog.ProductCreated", 1)
    assert event.aggregate_id == product.id
    assert event.occurred_at == T0
    assert event.payload == {
        "product_id": str(product.id),
        "organisation_id": str(product.tenant.organisation_id),
        "sku": "SKU-1",
        "name": "Product SKU-1",
        "price": {"amount": "3.20", "currency": "EUR"},
        "stock": 10,
    }
    assert (event.correlation_id, event.causation_id, event.actor) == ("req-42", "cause-7", "ada")
    assert await messaging_store.outbox.backlog() == 1
    assert await messaging_store.outbox.oldest_pending() == T0


async def test_a_payload_keeps_text_beyond_ascii(messaging_store: MessagingStore) -> None:
    product = Product.create(
        tenant=Tenant.single(),
        id=ids.new_id(),
        sku="SKU-UTF8",
        name='Crème brûlée "№ 5" \\ 東京 \U0001f370',
        description="",
        price=Money.of("3.20", "EUR"),
        stock=1,
        now=T0,
    )
    await create(messaging_store, product)

    [event] = await claim_all(messaging_store)

    assert (event.payload["sku"], event.payload["name"]) == (product.sku, product.name)


async def test_nothing_reaches_the_outbox_without_a_commit(messaging_store: MessagingStore) -> None:
    async with messaging_store.catalog() as uow:
        await uow.products.add(new_product("SKU-1"))
    with pytest.raises(RuntimeError):
        async with messaging_store.catalog() as uow:
            await uow.products.add(new_product("SKU-2"))
            raise RuntimeError("the use case failed")

    assert await claim_all(messaging_store) == []
    assert await messaging_store.outbox.backlog() == 0
    assert await messaging_store.outbox.oldest_pending() is None


async def test_a_refused_write_leaves_no_event(messaging_store: MessagingStore) -> None:
    """The outbox row commits with the state change or not at all, also where the insert and
    the outbox row go as one statement (PostgreSQL) and the refusal comes at the commit."""
    await create(messaging_store, new_product("SKU-1"))
    [kept] = await claim_all(messaging_store)

    with pytest.raises(DuplicateSku):
        await create(messaging_store, new_product("SKU-1"))

    assert await messaging_store.outbox.backlog() == 1
    assert [event.id for event in await claim_all(messaging_store)] == [kept.id]


async def test_a_published_event_no_longer_waits(messaging_store: MessagingStore) -> None:
    await create(messaging_store, new_product("SKU-1"))
    async with messaging_store.outbox.claim(100) as batch:
        batch.sent(len(batch.events))

    assert await messaging_store.outbox.oldest_pending() is None


async def test_a_refused_commit_writes_no_event(messaging_store: MessagingStore) -> None:
    product = new_product("SKU-1")
    await create(messaging_store, product)
    async with messaging_store.catalog(read_only=True) as reader:
        stale = await reader.products.get(Tenant.single(), product.id)
    assert stale is not None
    await adjust(messaging_store, product.id, 1)

    with pytest.raises(ConcurrentUpdate):
        async with messaging_store.catalog() as uow:
            stale.adjust_stock(delta=2, reason="late", now=T0)
            await uow.products.update(stale)
            await uow.commit()

    assert [e.type for e in await claim_all(messaging_store)] == [
        "catalog.ProductCreated",
        "catalog.StockAdjusted",
    ]


async def test_sent_events_are_not_claimed_again(messaging_store: MessagingStore) -> None:
    await create(messaging_store, new_product("SKU-1"), new_product("SKU-2"))
    await create(messaging_store, new_product("SKU-3"))
    async with messaging_store.outbox.claim(10) as batch:
        first = list(batch.events)
        batch.sent(2)

    rest = await claim_all(messaging_store)

    assert [e.payload["sku"] for e in first] == ["SKU-1", "SKU-2", "SKU-3"]
    assert [e.payload["sku"] for e in rest] == ["SKU-3"]
    assert await messaging_store.outbox.backlog() == 1


async def test_a_claim_respects_its_limit_in_commit_order(messaging_store: MessagingStore) -> None:
    for n in range(5):
        await create(messaging_store, new_product(f"SKU-{n}"))
    async with messaging_store.outbox.claim(3) as batch:
        skus = [e.payload["sku"] for e in batch.events]
    assert skus == ["SKU-0", "SKU-1", "SKU-2"]


async def relayed_by_three(store: MessagingStore) -> tuple[list[Product], list[IntegrationEvent]]:
    """Four products, three adjustments each, then three relays at once until the outbox is
    empty: the products, and what the relays published in the order they published it."""
    products = [new_product(f"SKU-{n}") for n in range(4)]
    await create(store, *products)
    for round_ in range(3):
        for product in products:
            await adjust(store, product.id, round_ + 1)
    published: list[IntegrationEvent] = []

    async def relay(number: int) -> None:
        while True:
            async with store.outbox.claim(3) as batch:
                if batch.events:
                    # Publishing takes a while, longest for the relay that claims first.
                    await asyncio.sleep(0.02 / (number + 1))
                    published.extend(batch.events)
                    batch.sent(len(batch.events))
            if not batch.events and await store.outbox.backlog() == 0:
                return
            await asyncio.sleep(0.001)

    async with asyncio.timeout(30):
        await asyncio.gather(*(relay(number) for number in range(3)))
    return products, published


async def test_concurrent_relays_publish_each_event_once_in_order_per_aggregate(
    messaging_store: MessagingStore,
) -> None:
    products, published = await relayed_by_three(messaging_store)

    assert len(published) == 16
    assert len({e.id for e in published}) == 16
    for product in products:
        mine = [e for e in published if e.aggregate_id == product.id]
        assert [e.type for e in mine] == ["catalog.ProductCreated"] + ["catalog.StockAdjusted"] * 3
        assert [e.payload.get("delta") for e in mine[1:]] == [1, 2, 3]


async def test_purge_forgets_published_events_only(messaging_store: MessagingStore) -> None:
    first, second = new_product("SKU-1"), new_product("SKU-2")
    await create(messaging_store, first)
    await create(messaging_store, second)
    async with messaging_store.outbox.claim(100) as batch:
        batch.sent(1)
    now = datetime.now(UTC)

    # Published just now: kept while younger than the cutoff.
    assert await messaging_store.outbox.purge_sent(now - timedelta(hours=1)) == 0
    await messaging_store.outbox.purge_sent(now + timedelta(hours=1))

    # The pending event survives any cutoff, and is still delivered.
    assert await messaging_store.outbox.backlog() == 1
    [pending] = await claim_all(messaging_store)
    assert pending.aggregate_id == second.id
