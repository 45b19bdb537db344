"""The runner stops its consumers together: a NATS subscription's stop waits for its open pull
request to end (up to half a second), so one after the other a worker with several consumers
and listeners took that many waits to shut down."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.system.ids import Uuid7Generator
from application.messaging.consumers import Consumer, ConsumerRunner
from application.shared.ports.messaging import Handler, IntegrationEvent, Subscription

ids = Uuid7Generator()
WAIT = 30.0  # a guard against hanging, not an assertion


class Held(Consumer):
    """Holds the first event it is handed until released."""

    name, contexts = "audit", ("shop",)

    def __init__(self) -> None:
        self.held, self.released = asyncio.Event(), asyncio.Event()

    async def __call__(self, event: IntegrationEvent) -> bool:
        self.held.set()
        await self.released.wait()
        return True


class Idle(Consumer):
    name, contexts = "cache", ("shop",)

    async def __call__(self, event: IntegrationEvent) -> bool:
        return True


class Watched(Subscription):
    def __init__(self, inner: Subscription, asked: asyncio.Event) -> None:
        self._inner, self._asked = inner, asked

    async def stop(self) -> None:
        self._asked.set()
        await self._inner.stop()


class WatchedBus(MemoryMessageBus):
    """The in-process bus, telling when each listener was asked to stop."""

    def __init__(self) -> None:
        super().__init__(MemoryBroker())
        self.listener_asked = asyncio.Event()

    async def listen(
        self, consumer: str, handler: Handler, *, contexts: Sequence[str]
    ) -> Subscription:
        inner = await super().listen(consumer, handler, contexts=contexts)
        return Watched(inner, self.listener_asked)


async def test_a_held_consumer_does_not_keep_the_others_from_stopping() -> None:
    bus = WatchedBus()
    held = Held()
    runner = ConsumerRunner(bus, [held], listeners=[Idle()])
    await runner.start()
    await bus.publish(
        IntegrationEvent(
            id=ids.new_id(),
            type="shop.ThingHappened",
            version=1,
            occurred_at=datetime(2026, 6, 1, tzinfo=UTC),
            aggregate_id=ids.new_id(),
        )
    )
    async with asyncio.timeout(WAIT):
        await held.held.wait()
    stopping = asyncio.create_task(runner.stop())
    try:
        # The consumer's stop waits for the event in hand; the listener's is asked meanwhile.
        async with asyncio.timeout(WAIT):
            await bus.listener_asked.wait()
        assert not stopping.done()
    finally:
        held.released.set()
        await stopping
