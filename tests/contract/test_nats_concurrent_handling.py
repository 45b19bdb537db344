"""What only NATS does with a fetched batch: its aggregates' events handled at the same time,
one aggregate's in their order, at most `consumer_concurrency` handlers at once, and the rest of
an aggregate handed back when the consumer stops."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import UUID

import pytest

from adapters.messaging.nats import NatsMessageBus
from application.shared.ports.messaging import Delivery, IntegrationEvent
from tests.contract.test_message_bus import RETRY, WAIT, Inbox, event, ids, received
from tests.support.nats import PATIENCE, nats_buses, plain_client

pytestmark = pytest.mark.nats

BusFactory = Callable[..., Awaitable[NatsMessageBus]]


@pytest.fixture
async def new_bus() -> AsyncIterator[BusFactory]:
    """`new_bus(consumer_concurrency=...)`: another process's connection."""
    async with nats_buses(RETRY) as make:
        yield make


class Overlaps:
    """Acks each delivery after letting the loop run others; records the order each aggregate's
    events started in, the most handlers running at once, and any aggregate that had two."""

    def __init__(self) -> None:
        self.started: dict[UUID, list[UUID]] = defaultdict(list)
        self.running: set[UUID] = set()  # aggregates
        self.at_once = 0
        self.most_at_once = 0
        self.same_aggregate_twice = 0
        self.count = 0
        self._changed = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        aggregate = delivery.event.aggregate_id
        if aggregate in self.running:
            self.same_aggregate_twice += 1
        self.running.add(aggregate)
        self.started[aggregate].append(delivery.event.id)
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        for _ in range(5):  # as a handler waiting on its database would
            await asyncio.sleep(0)
        self.at_once -= 1
        self.running.discard(aggregate)
        await delivery.ack()
        self.count += 1
        self._changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while self.count < count:
                self._changed.clear()
                await self._changed.wait()


async def test_two_aggregates_events_are_handled_at_the_same_time(new_bus: BusFactory) -> None:
    bus = await new_bus()
    first, second = event(aggregate=ids.new_id()), event(aggregate=ids.new_id())
    await bus.publish(first)
    await bus.publish(second)  # both in the consumer's first batch
    started = {first.id: asyncio.Event(), second.id: asyncio.Event()}
    other = {first.id: second.id, second.id: first.id}
    met: list[tuple[UUID, int]] = []

    async def waits_for_the_other(delivery: Delivery) -> None:
        started[delivery.event.id].set()
        # One after the other, the first would wait here for ever (a guard ends it).
        async with asyncio.timeout(WAIT):
            await started[other[delivery.event.id]].wait()
        met.append((delivery.event.id, delivery.attempt))
        await delivery.ack()

    subscription = await bus.subscribe("meeting", waits_for_the_other, contexts=["shop"])
    async with asyncio.timeout(WAIT * 2):
        while len(met) < 2:
            await asyncio.sleep(0.01)
    await subscription.stop()

    # Each met the other on its first try (one after the other, the first's try timed out).
    assert sorted(met) == sorted([(first.id, 1), (second.id, 1)])


async def test_one_aggregates_events_stay_in_order_while_others_run_beside_them(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    aggregates = [ids.new_id() for _ in range(3)]
    sent = [event("shop.StockMoved", aggregates[n % 3], n) for n in range(45)]  # 5 batches
    for e in sent:
        await bus.publish(e)
    handler = Overlaps()
    await received(bus, "ordered", handler, len(sent), settled=False)

    for aggregate in aggregates:
        assert handler.started[aggregate] == [e.id for e in sent if e.aggregate_id == aggregate]
    assert handler.same_aggregate_twice == 0
    assert handler.most_at_once == 3  # the three aggregates at once


async def test_no_more_handlers_run_at_once_than_the_process_allows(new_bus: BusFactory) -> None:
    bus = await new_bus(consumer_concurrency=2)
    sent = [event(n=n) for n in range(20)]  # each of its own aggregate
    for e in sent:
        await bus.publish(e)
        await bus.publish(event("billing.InvoiceSent", n=0))
    handler = Overlaps()
    # Two consumers on two streams share the process's two slots.
    subscriptions = [
        await bus.subscribe("limited", handler, contexts=["shop"]),
        await bus.subscribe("billing", handler, contexts=["billing"]),
    ]
    await handler.wait_for(len(sent) * 2)
    await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    assert handler.most_at_once == 2


async def test_a_failing_event_does_not_hold_up_another_aggregates(new_bus: BusFactory) -> None:
    bus = await new_bus()
    failing, fine = event(aggregate=ids.new_id()), event(aggregate=ids.new_id())
    await bus.publish(failing)
    await bus.publish(fine)
    seen: list[tuple[UUID, int]] = []
    done = asyncio.Event()

    async def fails_once(delivery: Delivery) -> None:
        seen.append((delivery.event.id, delivery.attempt))
        if delivery.event.id == failing.id and delivery.attempt == 1:
            raise RuntimeError("the consumer failed")
        await delivery.ack()
        if len(seen) == 3:
            done.set()

    subscription = await bus.subscribe("failing", fails_once, contexts=["shop"])
    async with asyncio.timeout(WAIT):
        await done.wait()
    await subscription.stop()

    assert sorted(seen) == sorted([(failing.id, 1), (fine.id, 1), (failing.id, 2)])


async def test_stopping_hands_back_an_aggregates_events_not_started(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    aggregate = ids.new_id()
    sent = [event("shop.StockMoved", aggregate, n) for n in range(3)]
    for e in sent:
        await bus.publish(e)
    in_hand, release = asyncio.Event(), asyncio.Event()
    handled: list[IntegrationEvent] = []

    async def holds_the_first(delivery: Delivery) -> None:
        handled.append(delivery.event)
        in_hand.set()
        await release.wait()
        await delivery.ack()

    subscription = await bus.subscribe("stopping", holds_the_first, contexts=["shop"])
    async with asyncio.timeout(WAIT):
        await in_hand.wait()
    stopping = asyncio.create_task(subscription.stop())
    await asyncio.sleep(0)  # stop() has set its flag and waits for the handler
    release.set()
    await stopping

    survivor = Inbox()
    other_process = await new_bus()
    subscription = await other_process.subscribe("stopping", survivor, contexts=["shop"])
    await survivor.wait_for(2)
    await subscription.stop()

    assert handled == sent[:1]  # the first finished; the others were never started
    assert survivor.ids == [e.id for e in sent[1:]]  # handed back, in their order


async def test_what_is_not_an_event_is_dead_lettered_beside_the_events(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    before, after = event(n=1), event(n=2)
    await bus.publish(before)
    nc = await plain_client([bus.url])
    try:
        await nc.jetstream(timeout=PATIENCE).publish(
            f"{bus.namespace}.shop.ThingHappened", b"not an envelope"
        )
    finally:
        await nc.close()
    await bus.publish(after)  # the three in one batch
    inbox = Inbox()
    await received(bus, "mixed", inbox, 2, settled=False)

    assert inbox.ids == [before.id, after.id]
    assert dict(bus.dead_lettered()) == {"mixed": 1}
