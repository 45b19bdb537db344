"""Consumer lag: how many events each consumer has not yet acked, per bounded context."""

from __future__ import annotations

from collections.abc import Sequence

from application.messaging.consumers import Consumer
from application.shared.ports.messaging import BusUnavailable, MessageBus


async def consumer_lag(
    bus: MessageBus, consumers: Sequence[Consumer]
) -> dict[str, dict[str, int | None]]:
    """Per consumer, per context: events waiting for it; None while the bus does not answer."""
    lag: dict[str, dict[str, int | None]] = {}
    for consumer in consumers:
        lag[consumer.name] = {}
        for context in consumer.contexts:
            try:
                await bus.start()
                lag[consumer.name][context] = await bus.lag(consumer.name, context)
            except BusUnavailable:
                lag[consumer.name][context] = None
    return lag
