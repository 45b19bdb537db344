"""Consumer lag: how many events each consumer has not yet acked, per bounded context."""

from __future__ import annotations

from collections.abc import Sequence

from application.messaging.consumers import Consumer
from application.shared.ports.messaging import BusUnavailable, MessageBus


async def consumer_lag(
    bus: MessageBus, consumers: Sequence[Consumer]
) -> dict[str, dict[str, int | None]]:
    """Per consumer, per context: events waiting for it; None while the bus does not answer.

    Once the bus has not answered, the rest are None without asking again: each attempt waits
    for the bus's connect timeout, so a stats request would take seconds per consumer."""
    lag: dict[str, dict[str, int | None]] = {}
    answering = True
    for consumer in consumers:
        lag[consumer.name] = {}
        for context in consumer.contexts:
            lag[consumer.name][context] = None
            if not answering:
                continue
            try:
                await bus.start()
                lag[consumer.name][context] = await bus.lag(consumer.name, context)
            except BusUnavailable:
                answering = False
    return lag
