"""Consumer lag while NATS does not answer: None for every consumer and context, from one
connection attempt (each waits for the bus's connect timeout, so asking per consumer made a
stats request take seconds per consumer)."""

from __future__ import annotations

from adapters.messaging.nats import NatsMessageBus
from application.messaging.consumers import Consumer
from application.messaging.lag import consumer_lag
from application.shared.ports.messaging import IntegrationEvent
from tests.support.servers import free_port


class _Reader(Consumer):
    def __init__(self, name: str, contexts: tuple[str, ...]) -> None:
        self.name, self.contexts = name, contexts

    async def __call__(self, event: IntegrationEvent) -> bool:
        return False


class _CountingStarts(NatsMessageBus):
    starts = 0

    async def start(self) -> None:
        self.starts += 1
        await super().start()


async def test_an_unreachable_bus_is_asked_once_and_every_lag_is_unknown() -> None:
    bus = _CountingStarts(f"nats://127.0.0.1:{free_port()}", timeout=0.5)  # no one there
    consumers = [_Reader("audit", ("catalog", "ordering")), _Reader("notifications", ("ordering",))]

    lag = await consumer_lag(bus, consumers)

    assert lag == {
        "audit": {"catalog": None, "ordering": None},
        "notifications": {"ordering": None},
    }
    assert bus.starts == 1
