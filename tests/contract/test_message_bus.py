"""ONE contract for MessageBus, run unchanged on the in-process bus and on NATS JetStream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import pytest

from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.system.ids import Uuid7Generator
from application.shared.ports.messaging import Delivery, IntegrationEvent, MessageBus
from tests.support.nats import nats_buses  # [adapter:nats]

# Short waits so redeliveries happen within a test; the suite never asserts on time.
RETRY = RetryPolicy(max_deliveries=3, first_delay=0.05, max_delay=0.2, ack_wait=1.0)
WAIT = 30.0  # a guard against hanging, not an assertion
ids = Uuid7Generator()

BusFactory = Callable[[], Awaitable[MessageBus]]


@pytest.fixture(
    params=[
        "memory",
        pytest.param("nats", marks=pytest.mark.nats),  # [adapter:nats]
    ]
)
async def new_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Makes buses that share one broker: a new one is another process's connection."""
    if request.param == "memory":
        broker = MemoryBroker()

        async def make() -> MessageBus:
            return MemoryMessageBus(broker, RETRY)  # nothing to close

        yield make
    # [adapter:nats begin]
    else:
        async with nats_buses(RETRY) as make_nats:
            yield make_nats
    # [adapter:nats end]


def event(
    name: str = "shop.ThingHappened", aggregate: UUID | None = None, n: int = 0
) -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type=name,
        version=1,
        occurred_at=datetime(2026, 5, 1, 12, n // 60, n % 60, tzinfo=UTC),
        aggregate_id=aggregate or ids.new_id(),
        payload={"n": n, "text": "héllo"},
        correlation_id="req-1",
        causation_id=None,
        actor="ada",
    )


class Inbox:
    """Records deliveries; `policy` decides how each one is settled."""

    def __init__(self, policy: str = "ack") -> None:
        self.policy = policy
        self.deliveries: list[tuple[IntegrationEvent, int]] = []
        self._changed = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        self.deliveries.append((delivery.event, delivery.attempt))
        self._changed.set()
        if self.policy == "ack" or (self.policy == "nack-first" and delivery.attempt > 1):
            await delivery.ack()
        elif self.policy in ("nack", "nack-first"):
            await delivery.nack()
        elif self.policy == "raise":
            raise RuntimeError("the consumer failed")
        elif self.policy == "hold":  # waits for a dependency twice as long as the ack wait
            # Extended every tenth of the ack wait: 90 % of it is left for a loaded machine to
            # send the next extension in time (at 40 % steps a 0.6 s stall meant a redelivery).
            for _ in range(20):
                await delivery.extend()
                await asyncio.sleep(RETRY.ack_wait * 0.1)
            await delivery.ack()
        # "ignore": never settle, as a consumer that died would

    @property
    def ids(self) -> list[UUID]:
        return [e.id for e, _ in self.deliveries]

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.deliveries) < count:
                self._changed.clear()
                await self._changed.wait()


async def settle(bus: MessageBus, consumer: str, context: str = "shop") -> None:
    """Wait until the bus has taken every ack (NATS acks travel asynchronously)."""
    async with asyncio.timeout(WAIT):
        while await bus.lag(consumer, context):
            await asyncio.sleep(0.02)


class Receiver(Protocol):
    async def __call__(self, delivery: Delivery) -> None: ...

    async def wait_for(self, count: int) -> None: ...


async def received(
    bus: MessageBus, consumer: str, handler: Receiver, count: int, *, settled: bool = True
) -> None:
    """Subscribe `handler` as `consumer` to "shop" until it has had `count` deliveries (and,
    `settled`, the bus has taken every ack), then stop."""
    subscription = await bus.subscribe(consumer, handler, contexts=["shop"])
    await handler.wait_for(count)
    if settled:
        await settle(bus, consumer)
    await subscription.stop()


async def test_published_events_are_delivered_whole_and_acked(new_bus: BusFactory) -> None:
    bus = await new_bus()
    sent = [event(n=i) for i in range(3)]
    for e in sent:
        await bus.publish(e)
    inbox = Inbox()
    await received(bus, "auditor", inbox, 3)

    assert [e for e, _ in inbox.deliveries] == sent
    assert [attempt for _, attempt in inbox.deliveries] == [1, 1, 1]
    assert await bus.lag("auditor", "shop") == 0


async def test_every_consumer_gets_every_event_and_other_contexts_stay_apart(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    first, second, elsewhere = Inbox(), Inbox(), Inbox()
    subscriptions = [
        await bus.subscribe("first", first, contexts=["shop"]),
        await bus.subscribe("second", second, contexts=["shop"]),
        await bus.subscribe("elsewhere", elsewhere, contexts=["billing"]),
    ]
    shop_event, billing_event = event(), event("billing.InvoiceSent")
    await bus.publish(shop_event)
    await bus.publish(billing_event)
    await first.wait_for(1)
    await second.wait_for(1)
    await elsewhere.wait_for(1)
    await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    assert first.ids == second.ids == [shop_event.id]
    assert elsewhere.ids == [billing_event.id]


async def test_a_nacked_event_comes_back_and_then_stays_acked(new_bus: BusFactory) -> None:
    bus = await new_bus()
    inbox = Inbox("nack-first")
    subscription = await bus.subscribe("retrying", inbox, contexts=["shop"])
    sent = event()
    await bus.publish(sent)
    await inbox.wait_for(2)
    await settle(bus, "retrying")
    await subscription.stop()

    assert inbox.deliveries == [(sent, 1), (sent, 2)]


async def test_a_handler_that_raises_counts_as_a_nack(new_bus: BusFactory) -> None:
    bus = await new_bus()
    inbox = Inbox("raise")
    subscription = await bus.subscribe("raising", inbox, contexts=["shop"])
    await bus.publish(event())
    await inbox.wait_for(2)
    await subscription.stop()

    assert [attempt for _, attempt in inbox.deliveries[:2]] == [1, 2]


async def test_an_event_left_unacked_by_a_dead_consumer_goes_to_the_next(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    dying = Inbox("ignore")
    subscription = await bus.subscribe("worker", dying, contexts=["shop"])
    sent = event()
    await bus.publish(sent)
    await dying.wait_for(1)
    await subscription.stop()  # it took the event and never answered

    survivor = Inbox()
    other_process = await new_bus()
    subscription = await other_process.subscribe("worker", survivor, contexts=["shop"])
    await survivor.wait_for(1)
    await subscription.stop()

    assert survivor.deliveries == [(sent, 2)]


async def test_the_last_failed_try_goes_to_the_dead_letters(new_bus: BusFactory) -> None:
    bus = await new_bus()
    inbox = Inbox("nack")
    subscription = await bus.subscribe("doomed", inbox, contexts=["shop"])
    poison, fine = event(n=1), event(n=2)
    await bus.publish(poison)
    await inbox.wait_for(RETRY.max_deliveries)
    inbox.policy = "ack"
    await bus.publish(fine)
    await inbox.wait_for(RETRY.max_deliveries + 1)
    await settle(bus, "doomed")
    await subscription.stop()

    assert inbox.deliveries == [(poison, 1), (poison, 2), (poison, 3), (fine, 1)]
    assert await bus.dead_letters("doomed") == [poison]
    assert await bus.dead_letters("someone-else") == []
    assert dict(bus.dead_lettered()) == {"doomed": 1}  # what this process sent there (metrics)


async def test_one_subject_is_delivered_in_publish_order(new_bus: BusFactory) -> None:
    bus = await new_bus()
    aggregate = ids.new_id()
    sent = [event("shop.StockMoved", aggregate, n) for n in range(25)]
    for e in sent:
        await bus.publish(e)
    inbox = Inbox()
    await received(bus, "ordered", inbox, len(sent), settled=False)

    assert inbox.ids == [e.id for e in sent]


async def test_publish_all_publishes_in_order_and_counts(new_bus: BusFactory) -> None:
    bus = await new_bus()
    sent = [event(n=n) for n in range(30)]
    assert await bus.publish_all(sent) == 30
    inbox = Inbox()
    await received(bus, "batched", inbox, 30, settled=False)

    assert inbox.ids == [e.id for e in sent]


async def test_a_resent_event_id_is_delivered_once(new_bus: BusFactory) -> None:
    bus = await new_bus()
    twice, sentinel = event(n=1), event(n=2)
    await bus.publish(twice)
    await bus.publish(twice)
    await bus.publish(sentinel)
    inbox = Inbox()
    await received(bus, "dedup", inbox, 2)

    assert inbox.ids == [twice.id, sentinel.id]


async def test_a_durable_consumer_resumes_where_it_stopped(new_bus: BusFactory) -> None:
    bus = await new_bus()
    before = [event(n=n) for n in range(2)]
    for e in before:
        await bus.publish(e)
    inbox = Inbox()
    await received(bus, "resumer", inbox, 2)
    await bus.close()

    restarted = await new_bus()
    after = [event(n=n) for n in range(2, 4)]
    for e in after:
        await restarted.publish(e)
    again = Inbox()
    subscription = await restarted.subscribe("resumer", again, contexts=["shop"])
    await again.wait_for(2)
    await settle(restarted, "resumer")
    await subscription.stop()

    assert again.ids == [e.id for e in after]


async def test_subscribers_of_one_name_share_the_events(new_bus: BusFactory) -> None:
    first_process, second_process = await new_bus(), await new_bus()
    one, two = Inbox(), Inbox()
    subscriptions = [
        await first_process.subscribe("shared", one, contexts=["shop"]),
        await second_process.subscribe("shared", two, contexts=["shop"]),
    ]
    sent = [event(n=n) for n in range(40)]
    for e in sent:
        await first_process.publish(e)
    async with asyncio.timeout(WAIT):
        while len(one.deliveries) + len(two.deliveries) < len(sent):
            await asyncio.sleep(0.02)
    await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    assert sorted(one.ids + two.ids) == sorted(e.id for e in sent)


# Fan-out: `listen` gives every listening subscription its own copy -------------------------


async def test_every_listener_in_every_process_gets_every_event(new_bus: BusFactory) -> None:
    first_process, second_process = await new_bus(), await new_bus()
    here, also_here, there, shared = Inbox(), Inbox(), Inbox(), Inbox()
    subscriptions = [
        await first_process.listen("cache", here, contexts=["shop"]),
        await first_process.listen("cache", also_here, contexts=["shop"]),
        await second_process.listen("cache", there, contexts=["shop"]),
        await second_process.subscribe("cache", shared, contexts=["shop"]),
    ]
    sent = [event(n=n) for n in range(5)]
    for e in sent:
        await first_process.publish(e)
    for inbox in (here, also_here, there, shared):
        await inbox.wait_for(len(sent))
    await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    expected = [e.id for e in sent]
    assert here.ids == also_here.ids == there.ids == expected
    # A listener takes nothing from the shared position of the same name.
    assert shared.ids == expected


async def test_a_listener_hears_only_what_is_published_after_it_started(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    before, after = event(n=1), event(n=2)
    await bus.publish(before)

    assert await listened(bus, after) == [after.id]


async def test_a_listener_stopped_and_started_again_does_not_resume(new_bus: BusFactory) -> None:
    bus = await new_bus()
    heard, missed, latest = event(n=1), event(n=2), event(n=3)
    first = await listened(bus, heard)
    await bus.publish(missed)
    again = await listened(bus, latest)

    assert first == [heard.id]
    assert again == [latest.id]


async def listened(bus: MessageBus, published: IntegrationEvent) -> list[UUID]:
    """What a listener ("cache", on "shop") heard: started, then `published` is published, then
    stopped once it heard one."""
    inbox = Inbox()
    subscription = await bus.listen("cache", inbox, contexts=["shop"])
    await bus.publish(published)
    await inbox.wait_for(1)
    await subscription.stop()
    return inbox.ids


async def test_a_listener_gets_a_nacked_event_again_then_dead_letters_it(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    retrying, doomed = Inbox("nack-first"), Inbox("nack")
    subscriptions = [
        await bus.listen("retrying-listener", retrying, contexts=["shop"]),
        await bus.listen("doomed-listener", doomed, contexts=["shop"]),
    ]
    sent = event()
    await bus.publish(sent)
    await retrying.wait_for(2)
    await doomed.wait_for(RETRY.max_deliveries)
    async with asyncio.timeout(WAIT):
        while not await bus.dead_letters("doomed-listener"):
            await asyncio.sleep(0.02)
    await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    assert retrying.deliveries == [(sent, 1), (sent, 2)]
    assert doomed.deliveries == [(sent, n) for n in range(1, RETRY.max_deliveries + 1)]
    assert await bus.dead_letters("doomed-listener") == [sent]
    assert await bus.dead_letters("retrying-listener") == []


async def test_a_held_delivery_that_is_extended_is_not_delivered_again(
    new_bus: BusFactory,
) -> None:
    bus = await new_bus()
    inbox = Inbox("hold")
    subscription = await bus.subscribe("patient", inbox, contexts=["shop"])
    await bus.publish(event())
    await inbox.wait_for(1)
    await settle(bus, "patient")  # held for twice the ack wait, then acked
    await asyncio.sleep(RETRY.ack_wait)  # a redelivery would have come by now
    await subscription.stop()

    assert [attempt for _, attempt in inbox.deliveries] == [1]
    assert await bus.dead_letters("patient") == []
