"""A consumer whose store is down holds the event and tries again: the outage spends none of
the event's deliveries, so a long one sends nothing to the dead letters."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.messaging.retry import RetryPolicy
from adapters.system.ids import Uuid7Generator
from application.messaging import consumers
from application.messaging.consumers import Consumer, ConsumerRunner
from application.shared.errors import DependencyUnavailable
from application.shared.ports.messaging import IntegrationEvent

ids = Uuid7Generator()
# Two deliveries in all: without holding, the third failure would dead-letter the event.
RETRY = RetryPolicy(max_deliveries=2, first_delay=0.01, max_delay=0.02, ack_wait=0.04)


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner's pauses (0.25 s doubling to 5 s) and the ack wait, divided by 25: the held
    # event still outlasts the ack wait several times over, in 0.3 s instead of 7.75.
    monkeypatch.setattr(consumers, "OUTAGE_FIRST_PAUSE", consumers.OUTAGE_FIRST_PAUSE / 25)
    monkeypatch.setattr(consumers, "OUTAGE_MAX_PAUSE", consumers.OUTAGE_MAX_PAUSE / 25)


class DownThenUp(Consumer):
    name, contexts = "audit", ("shop",)

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.applied = asyncio.Event()

    async def __call__(self, event: IntegrationEvent) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise DependencyUnavailable("database", retry_after=1.0)
        self.applied.set()
        return True


def an_event() -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type="shop.ThingHappened",
        version=1,
        occurred_at=datetime(2026, 6, 1, tzinfo=UTC),
        aggregate_id=ids.new_id(),
    )


async def test_an_outage_longer_than_every_delivery_loses_nothing() -> None:
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    consumer = DownThenUp(failures=5)
    runner = ConsumerRunner(bus, [consumer])
    await runner.start()
    await bus.publish(an_event())
    async with asyncio.timeout(30):
        await consumer.applied.wait()
    await runner.stop()

    assert consumer.calls == 6
    stats = runner.stats["audit"]
    assert (stats.delivered, stats.applied, stats.failed) == (1, 1, 0)
    assert await bus.dead_letters("audit") == []
    assert await bus.lag("audit", "shop") == 0


async def test_stopping_during_an_outage_hands_the_event_back() -> None:
    bus = MemoryMessageBus(MemoryBroker(), RETRY)
    consumer = DownThenUp(failures=1000)
    runner = ConsumerRunner(bus, [consumer])
    await runner.start()
    await bus.publish(an_event())
    async with asyncio.timeout(10):
        while consumer.calls < 2:
            await asyncio.sleep(0.01)
    async with asyncio.timeout(10):  # does not wait for the outage to end
        await runner.stop()

    assert runner.stats["audit"].failed == 1
    assert await bus.lag("audit", "shop") == 1  # not acknowledged: it is delivered again
