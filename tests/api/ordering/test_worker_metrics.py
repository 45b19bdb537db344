"""What `portico worker` adds to its metrics port, read in process: each projection's lag behind
the event store, and the events each consumer sent to its dead letters."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, generate_latest

from adapters.messaging.memory import MemoryMessageBus
from application.shared.ports.messaging import IntegrationEvent
from entrypoints.container import build_container
from entrypoints.metrics.messaging import MessagingCollector
from entrypoints.metrics.projections import ProjectionCollector
from entrypoints.settings import LoggingSettings, Settings
from entrypoints.worker.runtime import MessagingRuntime
from tests.api.ordering.test_ordering_projector import place
from tests.support.metrics import samples

SETTINGS = Settings(
    environment="test",
    persistence="memory",
    background="off",  # nobody projects: the lag grows with each order
    logging=LoggingSettings(format="json", level="ERROR"),
)


async def scrape(
    registry: CollectorRegistry,
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """As Prometheus does: from another thread, while this loop runs."""
    text = await asyncio.to_thread(generate_latest, registry)
    return samples(text.decode())


async def test_the_projection_lag_is_the_events_a_projection_has_not_applied() -> None:
    container = build_container(SETTINGS)
    registry = CollectorRegistry()
    registry.register(ProjectionCollector(container.projectors(), asyncio.get_running_loop()))
    lag = "portico_projection_lag"

    before = await scrape(registry)
    await place(container)
    behind = await scrape(registry)
    await container.ordering.projector().catch_up()
    after = await scrape(registry)

    assert before[lag, frozenset({("projection", "order_details")})] == 0
    assert behind[lag, frozenset({("projection", "order_details")})] == 1
    assert behind[lag, frozenset({("projection", "order_summaries")})] == 1
    assert after[lag, frozenset({("projection", "order_details")})] == 0


async def test_dead_lettered_events_are_counted_per_consumer() -> None:
    container = build_container(SETTINGS)
    runtime = MessagingRuntime(container)
    registry = CollectorRegistry()
    registry.register(MessagingCollector(runtime, asyncio.get_running_loop()))
    bus = container.platform.bus()
    assert isinstance(bus, MemoryMessageBus)
    event = IntegrationEvent(
        id=container.platform.ids().new_id(),
        type="catalog.ProductCreated",
        version=1,
        occurred_at=container.platform.clock().now(),
        aggregate_id=container.platform.ids().new_id(),
    )

    bus.bury("audit", event)  # what a nack of the last attempt does

    found = await scrape(registry)
    assert found["portico_consumer_dead_lettered_total", frozenset({("consumer", "audit")})] == 1
    assert (
        found["portico_consumer_dead_lettered_total", frozenset({("consumer", "notifications")})]
        == 0
    )
    assert (await runtime.stats())["consumers"]["audit"]["dead_lettered"] == 1
