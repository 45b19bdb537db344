"""What only NATS has to do for `listen`: leave no consumer behind, and survive the server
dropping a listener (it expires while its process is cut off) without losing the gap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.messaging.nats import NatsMessageBus
from application.shared.ports.messaging import Delivery
from tests.contract.test_message_bus import RETRY, WAIT, Inbox, event
from tests.support.nats import PATIENCE, nats_buses, plain_client

pytestmark = pytest.mark.nats


@pytest.fixture
async def bus() -> AsyncIterator[NatsMessageBus]:
    async with nats_buses(RETRY) as make:
        yield await make(listener_check=0.1)


async def consumer_names(bus: NatsMessageBus, context: str = "shop") -> list[str]:
    nc = await plain_client([bus.url])
    try:
        infos = await nc.jetstream(timeout=PATIENCE).consumers_info(bus.stream_name(context))
        return sorted(info.name for info in infos)
    finally:
        await nc.close()


async def test_a_stopped_listener_leaves_no_consumer_behind(bus: NatsMessageBus) -> None:
    await bus.publish(event())  # makes the stream
    shared = await bus.subscribe("audit", Inbox(), contexts=["shop"])
    listening = await bus.listen("cache", Inbox(), contexts=["shop"])
    while_listening = await consumer_names(bus)
    await asyncio.gather(listening.stop(), shared.stop())  # each waits out its fetch
    after = await consumer_names(bus)

    assert len(while_listening) == 2
    assert [name for name in while_listening if name.startswith("cache-")]
    assert after == ["audit"]


async def test_a_listener_the_server_dropped_is_made_again_without_a_gap(
    bus: NatsMessageBus,
) -> None:
    inbox = Inbox()
    subscription = await bus.listen("cache", inbox, contexts=["shop"])
    first = event(n=1)
    await bus.publish(first)
    await inbox.wait_for(1)
    (name,) = await consumer_names(bus)

    # The server forgets the listener (as when it expired), and an event comes meanwhile.
    nc = await plain_client([bus.url])
    try:
        await nc.jetstream(timeout=PATIENCE).delete_consumer(bus.stream_name("shop"), name)
    finally:
        await nc.close()
    in_the_gap = event(n=2)
    await bus.publish(in_the_gap)

    async with asyncio.timeout(WAIT):
        while in_the_gap.id not in inbox.ids:
            await asyncio.sleep(0.02)
    remade = await consumer_names(bus)
    await subscription.stop()

    assert remade == [name]
    assert inbox.ids[0] == first.id


async def test_closing_the_bus_stops_its_subscriptions_together(bus: NatsMessageBus) -> None:
    # Each subscription's stop waits for its open pull request to end; one after the other, a
    # process with ten of them took ten fetch waits to close. Here the first subscription's
    # stop cannot end while its handler is held, yet the listener after it is stopped (its
    # consumer deleted) meanwhile.
    await bus.publish(event())  # makes the stream
    held, released = asyncio.Event(), asyncio.Event()

    async def hold(delivery: Delivery) -> None:
        held.set()
        await released.wait()
        await delivery.ack()

    await bus.subscribe("audit", hold, contexts=["shop"])
    await bus.listen("cache", Inbox(), contexts=["shop"])
    async with asyncio.timeout(WAIT):
        await held.wait()
    closing = asyncio.create_task(bus.close())
    try:
        async with asyncio.timeout(WAIT):
            while await consumer_names(bus) != ["audit"]:
                await asyncio.sleep(0.02)
        assert not closing.done()  # the held handler still holds the first stop
    finally:
        released.set()
        await closing
