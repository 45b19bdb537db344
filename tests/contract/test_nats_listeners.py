"""What only NATS has to do for `listen`: leave no consumer behind, and survive the server
dropping a listener (it expires while its process is cut off) without losing the gap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest

from adapters.messaging.nats import NatsMessageBus
from tests.contract.test_message_bus import RETRY, WAIT, Inbox, event
from tests.support.nats import started_bus

pytestmark = pytest.mark.nats


@pytest.fixture
async def bus() -> AsyncIterator[NatsMessageBus]:
    async with started_bus(retry=RETRY, listener_check=0.1) as bus:
        yield bus


async def consumer_names(bus: NatsMessageBus, context: str = "shop") -> list[str]:
    nc = await nats.connect(servers=[bus.url], connect_timeout=2, max_reconnect_attempts=1)
    try:
        infos = await nc.jetstream().consumers_info(bus.stream_name(context))
        return sorted(info.name for info in infos)
    finally:
        await nc.close()


async def test_a_stopped_listener_leaves_no_consumer_behind(bus: NatsMessageBus) -> None:
    await bus.publish(event())  # makes the stream
    shared = await bus.subscribe("audit", Inbox(), contexts=["shop"])
    listening = await bus.listen("cache", Inbox(), contexts=["shop"])
    while_listening = await consumer_names(bus)
    await listening.stop()
    after = await consumer_names(bus)
    await shared.stop()

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
    nc = await nats.connect(servers=[bus.url], connect_timeout=2, max_reconnect_attempts=1)
    try:
        await nc.jetstream().delete_consumer(bus.stream_name("shop"), name)
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
