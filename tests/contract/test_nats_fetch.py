"""What only NATS does with its pull requests: a lone event is handed to a batch consumer as soon
as it arrives, not when the fetch's wait for a full batch runs out, and a backlog still comes in
full batches."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import pytest

from adapters.messaging.nats import NatsMessageBus
from tests.contract.test_message_bus import RETRY, WAIT, event
from tests.support.nats import Arrivals, nats_buses

pytestmark = pytest.mark.nats

# A pull request's wait; nats-py's fetch held a lone event until it ran out, so a held event
# arrives up to FETCH_WAIT late and one on time within a moment. The test tells them apart at
# FETCH_WAIT / 2: at 0.4 s that left a loaded machine (load 15) 0.2 s to hand an event to five
# consumers; 2 s leaves it 1 s, for about 12 s more of idling spread over the test.
FETCH_WAIT = 2.0


@pytest.fixture
async def bus() -> AsyncIterator[NatsMessageBus]:
    async with nats_buses(RETRY) as make:
        yield await make(fetch_wait=FETCH_WAIT)


async def test_a_lone_event_reaches_a_batch_consumer_well_before_the_fetch_wait(
    bus: NatsMessageBus,
) -> None:
    # Several consumers, each its own puller at its own point of its wait, see every event:
    # the old fetch held one in about every eight, so 60 arrivals make a slow one all but sure.
    consumers = [Arrivals() for _ in range(5)]
    subscriptions = [
        await bus.subscribe_batches(f"lone-{n}", arrivals, contexts=["shop"])
        for n, arrivals in enumerate(consumers)
    ]
    delays: list[float] = []
    for n in range(12):
        await asyncio.sleep(random.uniform(0, FETCH_WAIT * 1.25))  # idle, at any point of a wait
        sent = event(n=n)
        before = time.monotonic()
        await bus.publish(sent)
        for arrivals in consumers:
            async with asyncio.timeout(WAIT):
                await arrivals.wait_for(n + 1)
            delays.append(arrivals.at[sent.id] - before)
    await asyncio.gather(*(subscription.stop() for subscription in subscriptions))

    assert max(delays) < FETCH_WAIT / 2, sorted(delays)[-5:]


async def test_a_backlog_comes_in_full_batches(bus: NatsMessageBus) -> None:
    full = 2 * bus.fetch_batch + 5  # more than a one-at-a-time subscription's fetch
    sent = [event(n=n) for n in range(2 * full + 5)]
    await bus.publish_all(sent)
    arrivals = Arrivals()
    subscription = await bus.subscribe_batches("backlog", arrivals, contexts=["shop"], at_most=full)
    async with asyncio.timeout(WAIT):
        await arrivals.wait_for(len(sent))
    await subscription.stop()

    assert arrivals.sizes == [full, full, 5]
