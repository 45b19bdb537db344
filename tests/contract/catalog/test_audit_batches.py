"""The audit consumer applying what one fetch brought in one unit of work, on every store: a
duplicate in the batch, a poison event in it and a crash between the commit and the acks each
leave one entry per event, and only the poison goes to the dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.system.ids import Uuid7Generator
from application.audit.ports import AuditUnitOfWorkFactory
from application.audit.record_change import RecordChange
from application.messaging.consumers import ConsumerRunner
from application.shared.ports.messaging import Delivery, IntegrationEvent, MessageBus
from domain.shared.tenant import Tenant
from tests.contract.catalog.conftest import MessagingStore

ids = Uuid7Generator()
RETRY = RetryPolicy(max_deliveries=3, first_delay=0.01, max_delay=0.02, ack_wait=0.5)
WAIT = 30.0  # a guard against hanging, not an assertion


def events(count: int) -> list[IntegrationEvent]:
    return [
        IntegrationEvent(
            id=ids.new_id(),
            type="catalog.ProductCreated",
            version=1,
            occurred_at=datetime(2026, 6, 1, 9, 0, n, tzinfo=UTC),
            aggregate_id=ids.new_id(),
            actor="ada",
        )
        for n in range(count)
    ]


class Poisoned(RecordChange):
    """The audit consumer with a fault one event sets off, alone or in a batch; it counts the
    events each unit of work was given."""

    def __init__(self, uow: AuditUnitOfWorkFactory, poison: UUID | None = None) -> None:
        super().__init__(uow)
        self.poison = poison
        self.given: list[int] = []

    async def apply_all(self, events: Sequence[IntegrationEvent]) -> None:
        self.given.append(len(events))
        if any(event.id == self.poison for event in events):
            raise ValueError("an event this consumer cannot apply")
        await super().apply_all(events)


async def entries_of(store: MessagingStore) -> list[UUID]:
    async with store.audit(read_only=True) as uow:
        listed = await uow.entries.page(Tenant.single(), before=None, limit=100)
    return sorted(entry.event_id for entry in listed)


async def run_until_settled(bus: MessageBus, consumer: RecordChange, count: int) -> ConsumerRunner:
    """The runner over `bus` until it settled `count` deliveries (acked or dead-lettered)."""
    runner = ConsumerRunner(bus, [consumer])
    stats = runner.stats[consumer.name]
    await runner.start()
    try:
        async with asyncio.timeout(WAIT):
            while stats.applied + stats.skipped + len(await bus.dead_letters("audit")) < count:
                await asyncio.sleep(0.01)
            while await bus.lag("audit", "catalog"):
                await asyncio.sleep(0.01)
    finally:
        await runner.stop()
    return runner


async def test_a_batch_is_applied_in_one_unit_of_work(messaging_store: MessagingStore) -> None:
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    sent = events(5)
    await bus.publish_all(sent)
    consumer = Poisoned(messaging_store.audit)
    runner = await run_until_settled(bus, consumer, len(sent))

    assert consumer.given == [5]
    assert await entries_of(messaging_store) == sorted(e.id for e in sent)
    stats = runner.stats["audit"]
    assert (stats.delivered, stats.applied, stats.skipped, stats.failed) == (5, 5, 0, 0)


async def test_a_batch_with_an_applied_event_applies_the_others_once(
    messaging_store: MessagingStore,
) -> None:
    """The inbox refuses the batch; one at a time, the duplicate is skipped, the rest applied."""
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    sent = events(4)
    consumer = Poisoned(messaging_store.audit)
    assert await consumer(sent[2]) is True  # applied before, e.g. by a twin delivery
    await bus.publish_all(sent)
    runner = await run_until_settled(bus, consumer, len(sent))

    assert await entries_of(messaging_store) == sorted(e.id for e in sent)
    stats = runner.stats["audit"]
    assert (stats.applied, stats.skipped, stats.failed) == (3, 1, 0)
    assert await bus.dead_letters("audit") == []


async def test_a_poison_event_in_a_batch_fails_alone(messaging_store: MessagingStore) -> None:
    """The batch fails as a whole and keeps nothing; one at a time, its good events are applied
    and acked once, and the poison alone is tried again until the dead letters."""
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    sent = events(4)
    poison = sent[1]
    await bus.publish_all(sent)
    consumer = Poisoned(messaging_store.audit, poison.id)
    runner = await run_until_settled(bus, consumer, len(sent))

    good = [e.id for e in sent if e is not poison]
    assert await entries_of(messaging_store) == sorted(good)
    assert await bus.dead_letters("audit") == [poison]
    stats = runner.stats["audit"]
    assert (stats.applied, stats.skipped, stats.failed) == (3, 0, RETRY.max_deliveries)
    # The batch, then each of its four alone; then the poison's redeliveries, alone.
    assert consumer.given == [4, 1, 1, 1, 1] + [1] * (RETRY.max_deliveries - 1)


async def test_a_crash_between_the_commit_and_the_acks_applies_nothing_twice(
    messaging_store: MessagingStore,
) -> None:
    """A worker commits a batch and dies before acking it: the next one is delivered it all
    again, the inbox recognises every event, and each is acked without a second entry."""
    broker = MemoryBroker()
    crashed_bus = MemoryMessageBus(broker, RETRY)
    sent = events(3)
    await crashed_bus.publish_all(sent)
    committed = asyncio.Event()
    consumer = Poisoned(messaging_store.audit)

    async def commit_then_die(deliveries: Sequence[Delivery]) -> None:
        await consumer.apply_all([delivery.event for delivery in deliveries])
        committed.set()  # and no ack: the process is gone

    crashed = await crashed_bus.subscribe_batches("audit", commit_then_die, contexts=["catalog"])
    async with asyncio.timeout(WAIT):
        await committed.wait()
    await crashed.stop()

    runner = await run_until_settled(MemoryMessageBus(broker, RETRY), consumer, len(sent))

    assert await entries_of(messaging_store) == sorted(e.id for e in sent)
    stats = runner.stats["audit"]
    assert (stats.delivered, stats.applied, stats.skipped) == (3, 0, 3)
    assert consumer.given == [3, 3, 1, 1, 1]  # the crashed batch, then refused, then alone
