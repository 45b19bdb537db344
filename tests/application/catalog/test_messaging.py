"""Relay, consumer runner and the audit consumer, on the in-memory adapters."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from adapters.audit.memory import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.catalog.memory import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.messaging.memory import MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.system.ids import Uuid7Generator
from application.audit.record_change import RecordChange
from application.catalog.create_product import CreateProduct, CreateProductHandler
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.consumers import Consumer, ConsumerRunner
from application.messaging.registry import EventRegistry, IntegrationEvents, UnknownEvent
from application.messaging.relay import OutboxRelay
from application.shared.ports.messaging import BusUnavailable, IntegrationEvent
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant
from tests.support.clock import SteppingClock

WAIT = 30.0
ids = Uuid7Generator()


class FlakyBus(MemoryMessageBus):
    """The in-process bus, switched off and on by the test like a server going away."""

    down = False

    async def publish(self, event: IntegrationEvent) -> None:
        if self.down:
            raise BusUnavailable("switched off by the test")
        await super().publish(event)


@dataclass
class Shop:
    outbox: MemoryOutbox
    bus: FlakyBus
    create: CreateProductHandler
    audit: MemoryAuditStore

    def audit_uow(self, *, read_only: bool = False) -> MemoryAuditUnitOfWork:
        return MemoryAuditUnitOfWork(self.audit, read_only=read_only)


@pytest.fixture
def shop() -> Shop:
    events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)
    outbox, store = MemoryOutbox(events), MemoryCatalogStore()

    def uow(*, read_only: bool = False) -> MemoryCatalogUnitOfWork:
        return MemoryCatalogUnitOfWork(store, read_only=read_only, outbox=outbox)

    bus = FlakyBus(retry=RetryPolicy(max_deliveries=2, first_delay=0.01, ack_wait=1.0))
    return Shop(outbox, bus, CreateProductHandler(uow, SteppingClock(), ids), MemoryAuditStore())


async def create(shop: Shop, n: int) -> None:
    for i in range(n):
        await shop.create(
            CreateProduct(
                tenant=Tenant.single(),
                sku=f"SKU-{i}",
                name="x",
                price_amount="1.00",
                price_currency="EUR",
            )
        )


async def create_one(shop: Shop, sku: str) -> None:
    await shop.create(
        CreateProduct(
            tenant=Tenant.single(), sku=sku, name="x", price_amount="1.00", price_currency="EUR"
        )
    )


async def eventually(condition: object) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def test_the_relay_moves_committed_events_to_the_bus(shop: Shop) -> None:
    await create(shop, 3)
    relay = OutboxRelay(shop.outbox, shop.bus, batch_size=2)

    assert await relay.relay_once() == 2
    assert await relay.relay_once() == 1
    assert await relay.relay_once() == 0
    assert await shop.outbox.backlog() == 0
    assert await shop.bus.lag("anyone", "catalog") == 3


async def test_events_wait_in_the_outbox_while_the_bus_is_down(shop: Shop) -> None:
    shop.bus.down = True
    await create(shop, 3)  # writes succeed without the bus
    relay = OutboxRelay(shop.outbox, shop.bus)

    assert await relay.relay_once() == 0
    assert relay.stats.failures == 1
    assert await shop.outbox.backlog() == 3

    shop.bus.down = False
    assert await relay.relay_once() == 3
    assert await shop.outbox.backlog() == 0


async def test_the_relay_runs_until_stopped(shop: Shop) -> None:
    relay = OutboxRelay(shop.outbox, shop.bus, poll_interval=5.0)
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    await create(shop, 2)  # wakes the relay: no poll interval to wait for
    await eventually(lambda: relay.stats.published == 2)
    stopping.set()
    await asyncio.wait_for(running, WAIT)


async def test_a_relay_that_just_published_lingers_for_a_fuller_batch(shop: Shop) -> None:
    # Long enough that the creates below, 10 ms apart, all land while it waits.
    relay = OutboxRelay(shop.outbox, shop.bus, poll_interval=5.0, linger=0.5)
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    await create(shop, 1)  # after a quiet spell: published at once, alone
    await eventually(lambda: relay.stats.published == 1)
    for i in range(3):  # each commit rings; the relay lets them gather
        await create_one(shop, f"MORE-{i}")
        await asyncio.sleep(0.01)
    await eventually(lambda: relay.stats.published == 4)
    assert relay.stats.batches == 2
    stopping.set()
    await asyncio.wait_for(running, WAIT)


async def test_without_linger_each_wake_up_claims(shop: Shop) -> None:
    relay = OutboxRelay(shop.outbox, shop.bus, poll_interval=5.0, linger=0.0)
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    for i in range(3):
        await create_one(shop, f"ONE-{i}")
        await eventually(lambda i=i: relay.stats.published == i + 1)
    assert relay.stats.batches == 3
    stopping.set()
    await asyncio.wait_for(running, WAIT)


async def test_the_audit_consumer_applies_an_event_once(shop: Shop) -> None:
    consumer = RecordChange(shop.audit_uow)
    event = IntegrationEvent(
        id=ids.new_id(),
        type="catalog.ProductDeleted",
        version=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        aggregate_id=ids.new_id(),
        payload={},
        actor="ada",
    )

    assert await consumer(event) is True
    assert await consumer(event) is False
    assert [(e.event_id, e.actor) for e in shop.audit.entries] == [(event.id, "ada")]


class Failing(Consumer):
    name = "failing"
    contexts = ("catalog",)

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, event: IntegrationEvent) -> bool:
        self.calls += 1
        raise RuntimeError("always fails")


async def test_the_runner_retries_a_failing_consumer_then_dead_letters(shop: Shop) -> None:
    await create(shop, 1)
    await OutboxRelay(shop.outbox, shop.bus).relay_once()
    failing, audit = Failing(), RecordChange(shop.audit_uow)
    runner = ConsumerRunner(shop.bus, [failing, audit])
    await runner.start()
    await eventually(lambda: failing.calls == 2 and len(shop.audit.entries) == 1)
    await eventually(lambda: runner.stats["failing"].failed == 2)
    await runner.stop()

    [dead] = await shop.bus.dead_letters("failing")
    assert dead.type == "catalog.ProductCreated"
    assert runner.stats["audit"].applied == 1
    assert await shop.bus.dead_letters("audit") == []


async def test_events_caused_by_a_consumer_carry_their_cause(shop: Shop) -> None:
    await create(shop, 1)
    await OutboxRelay(shop.outbox, shop.bus).relay_once()
    [cause] = shop.bus.broker.logs["catalog"]

    class Reacting(Consumer):
        name = "reacting"
        contexts = ("catalog",)

        async def __call__(self, event: IntegrationEvent) -> bool:
            await shop.create(
                CreateProduct(
                    tenant=Tenant.single(),
                    sku="SKU-NEW",
                    name="y",
                    price_amount="2",
                    price_currency="EUR",
                )
            )
            return True

    runner = ConsumerRunner(shop.bus, [Reacting()])
    await runner.start()
    await eventually(lambda: runner.stats["reacting"].applied == 1)
    await runner.stop()

    async with shop.outbox.claim(10) as batch:
        [effect] = batch.events
    assert effect.causation_id == str(cause.id)
    assert effect.correlation_id == cause.correlation_id


def test_a_consumer_name_must_be_a_durable_name(shop: Shop) -> None:
    class Badly(Failing):
        name = "Bad Name"

    with pytest.raises(ValueError, match="consumer name"):
        ConsumerRunner(shop.bus, [Badly()])


def test_the_registry_refuses_unknown_events_and_conflicting_versions() -> None:
    registry = EventRegistry(CATALOG_EVENTS)
    events = IntegrationEvents(registry, ids)

    @dataclass(frozen=True, kw_only=True)
    class Secret(DomainEvent):
        """A domain event nobody registered as an integration event."""

    secret = Secret(aggregate_id=ids.new_id(), occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(UnknownEvent):
        events([secret])
    registry.keep_private(Secret)
    assert events([secret]) == []
    with pytest.raises(ValueError, match="registered as version 1"):
        registry.register(replace(CATALOG_EVENTS.declarations[0], version=2))
    with pytest.raises(ValueError, match="<context>"):
        replace(CATALOG_EVENTS.declarations[0], name="no-context")
    assert registry.contexts == ["catalog"]
    assert [t.name for t in registry.types] == [
        "catalog.ProductChanged",
        "catalog.ProductCreated",
        "catalog.ProductDeleted",
        "catalog.StockAdjusted",
    ]
