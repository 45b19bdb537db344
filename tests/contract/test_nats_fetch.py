"""What only NATS does with its pull requests: a lone event is handed to a batch consumer as soon
as it arrives, not when the fetch's wait for a full batch runs out, and a backlog still comes in
full batches."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import pytest

from adapters.messaging.nats import NatsMessageBus
from application.shared.ports.messaging import Delivery
from tests.contract.test_message_bus import RETRY, WAIT, event
from tests.support.nats import delete_namespace, require_nats, unique_namespace

pytestmark = pytest.mark.nats

FETCH_WAIT = 0.4  # a pull request's wait; nats-py's fetch held a lone event until it ran out


@pytest.fixture
async def bus() -> AsyncIterator[NatsMessageBus]:
    url, namespace = require_nats(), unique_namespace()
    bus = NatsMessageBus(url, namespace=namespace, retry=RETRY, fetch_wait=FETCH_WAIT)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()
        await delete_namespace(url, namespace)


class Arrivals:
    """When each event reached the consumer, and the sizes of the batches it was handed."""

    def __init__(self) -> None:
        self.at: dict[UUID, float] = {}
        self.sizes: list[int] = []
        self._changed = asyncio.Event()

    async def __call__(self, deliveries: Sequence[Delivery]) -> None:
        now = time.monotonic()
        self.sizes.append(len(deliveries))
        for delivery in deliveries:
            self.at.setdefault(delivery.event.id, now)
            await delivery.ack()
        self._changed.set()

    async def wait_for(self, ids: set[UUID]) -> None:
        async with asyncio.timeout(WAIT):
            while not ids <= self.at.keys():
                self._changed.clear()
                await self._changed.wait()


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
            await arrivals.wait_for({sent.id})
            delays.append(arrivals.at[sent.id] - before)
    for subscription in subscriptions:
        await subscription.stop()

    assert max(delays) < FETCH_WAIT / 2, sorted(delays)[-5:]


async def test_a_backlog_comes_in_full_batches(bus: NatsMessageBus) -> None:
    sent = [event(n=n) for n in range(25)]
    await bus.publish_all(sent)
    arrivals = Arrivals()
    subscription = await bus.subscribe_batches("backlog", arrivals, contexts=["shop"])
    await arrivals.wait_for({e.id for e in sent})
    await subscription.stop()

    assert arrivals.sizes == [10, 10, 5]
