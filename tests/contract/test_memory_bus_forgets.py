"""The in-process bus forgets what every position in a log has settled, and nothing else: the
embedded server publishes two events per order, and a log that kept them all grew without end
(and with it every full pass of the garbage collector)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from adapters.messaging.memory import _FORGET_EVERY, MemoryBroker, MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from application.shared.ports.messaging import Delivery
from tests.contract.test_message_bus import RETRY, WAIT, event

EVENTS = 3 * _FORGET_EVERY


class Counted:
    """Acks every delivery once `open` is set; records the payloads' numbers in order."""

    def __init__(self, *, open: bool = True) -> None:
        self.numbers: list[int] = []
        self.open = asyncio.Event()
        if open:
            self.open.set()

    async def __call__(self, deliveries: Sequence[Delivery]) -> None:
        await self.open.wait()
        for delivery in deliveries:
            self.numbers.append(delivery.event.payload["n"])
            await delivery.ack()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.numbers) < count:
                await asyncio.sleep(0.01)


async def publish(bus: MemoryMessageBus, count: int) -> None:
    for n in range(count):
        await bus.publish(event(n=n % 3600))
        if n % 100 == 0:
            await asyncio.sleep(0)


def kept(broker: MemoryBroker) -> int:
    return len(list(broker.logs["shop"]))


async def test_events_every_consumer_settled_are_forgotten() -> None:
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    fast, also = Counted(), Counted()
    subscriptions = [
        await bus.subscribe_batches(name, handler, contexts=["shop"], at_most=100)
        for name, handler in (("fast", fast), ("also", also))
    ]
    await publish(bus, EVENTS)
    await fast.wait_for(EVENTS)
    await also.wait_for(EVENTS)
    await asyncio.sleep(0.05)  # a pull's turn after the last acks
    # Without forgetting, the log keeps all 3,072 events.
    assert kept(bus.broker) < _FORGET_EVERY
    assert len(bus.broker.logs["shop"]) == EVENTS  # indexes still count from the first event
    assert await bus.lag("fast", "shop") == 0
    for subscription in subscriptions:
        await subscription.stop()


async def test_a_consumer_behind_the_others_still_gets_every_event_in_order() -> None:
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    fast, slow = Counted(), Counted(open=False)
    subscriptions = [
        await bus.subscribe_batches(name, handler, contexts=["shop"], at_most=100)
        for name, handler in (("fast", fast), ("slow", slow))
    ]
    await publish(bus, EVENTS)
    await fast.wait_for(EVENTS)
    # The slow consumer holds its first batch unsettled: nothing may be forgotten for it.
    assert kept(bus.broker) == EVENTS
    slow.open.set()
    await slow.wait_for(EVENTS)
    assert slow.numbers == [n % 3600 for n in range(EVENTS)]
    for subscription in subscriptions:
        await subscription.stop()


async def test_a_stopped_durable_consumer_and_a_listener_keep_their_events() -> None:
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    stopped, heard = Counted(), Counted(open=False)
    await (await bus.subscribe_batches("stopped", stopped, contexts=["shop"])).stop()

    async def hear(delivery: Delivery) -> None:
        await heard([delivery])

    listening = await bus.listen("listener", hear, contexts=["shop"])
    fast = Counted()
    running = await bus.subscribe_batches("fast", fast, contexts=["shop"], at_most=100)
    await publish(bus, EVENTS)
    await fast.wait_for(EVENTS)
    assert kept(bus.broker) == EVENTS  # the stopped consumer will resume at its first event
    resumed = await bus.subscribe_batches("stopped", stopped, contexts=["shop"], at_most=100)
    await stopped.wait_for(EVENTS)
    assert stopped.numbers == [n % 3600 for n in range(EVENTS)]
    heard.open.set()
    await heard.wait_for(EVENTS)  # the listener's own position held them too
    for subscription in (listening, running, resumed):
        await subscription.stop()


async def test_a_nacked_event_waiting_for_its_retry_is_kept() -> None:
    bus = MemoryMessageBus(
        MemoryBroker(), RetryPolicy(max_deliveries=3, first_delay=0.1, ack_wait=5.0)
    )
    first: list[int] = []
    retried = asyncio.Event()

    async def nack_the_first(deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            if delivery.event.payload["n"] == 0 and delivery.attempt == 1:
                await delivery.nack()
                continue
            if delivery.event.payload["n"] == 0:
                first.append(delivery.attempt)
                retried.set()
            await delivery.ack()

    subscription = await bus.subscribe_batches(
        "retrying", nack_the_first, contexts=["shop"], at_most=100
    )
    await publish(bus, EVENTS)
    async with asyncio.timeout(WAIT):
        await retried.wait()
    assert first == [2]  # redelivered, though every later event was settled before it
    await subscription.stop()
