"""MessagingCollector: the worker's messaging figures, read from its runtime when scraped.

The relay and the consumers already count what they do (`MessagingRuntime.stats()`, also logged
and served by `GET /api/v1/messaging/stats`); this turns the same figures into series rather
than counting twice. Prometheus scrapes from the metrics server's thread, and the figures live
on the worker's event loop, so the collector asks the loop for them and waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from entrypoints.worker.runtime import MessagingRuntime

_log = structlog.get_logger("portico.metrics")
_CONSUMER_COUNTERS = {
    "delivered": "Events handed to the consumer (redeliveries included).",
    "applied": "Events the consumer applied.",
    "skipped": "Events the consumer had already applied, or that were of no interest to it.",
    "failed": "Events whose handling raised (each is delivered again, then dead-lettered).",
    "dead_lettered": "Events this worker sent to the consumer's dead letters after their last "
    "attempt.",
}


class MessagingCollector(Collector):
    def __init__(
        self,
        runtime: MessagingRuntime,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = 5.0,
    ) -> None:
        self._runtime = runtime
        self._loop = loop
        self._timeout = timeout

    def collect(self) -> Iterator[Metric]:
        try:
            stats = asyncio.run_coroutine_threadsafe(self._runtime.stats(), self._loop).result(
                self._timeout
            )
        except Exception as error:  # a scrape answers what it can; the log says why not
            _log.warning("metrics.messaging_unavailable", detail=repr(error))
            return
        yield from _series(stats)


def _series(stats: dict[str, Any]) -> Iterator[Metric]:
    if "outbox_backlog" in stats:
        yield GaugeMetricFamily(
            "portico_outbox_backlog",
            "Events committed to the outbox and not yet published.",
            value=stats["outbox_backlog"],
        )
    if "outbox_oldest_age" in stats:
        yield GaugeMetricFamily(
            "portico_outbox_oldest_age_seconds",
            "How long the event waiting longest in the outbox has waited (0 when none waits).",
            value=stats["outbox_oldest_age"],
        )
    relay = stats.get("relay")
    if relay is not None:
        yield CounterMetricFamily(
            "portico_relay_published",
            "Events this worker's relay published to the bus.",
            value=relay["published"],
        )
        yield CounterMetricFamily(
            "portico_relay_failures",
            "Relay batches that failed (the events stay in the outbox and are tried again).",
            value=relay["failures"],
        )
    consumers: dict[str, dict[str, Any]] = stats.get("consumers", {})
    for counter, help_text in _CONSUMER_COUNTERS.items():
        family = CounterMetricFamily(f"portico_consumer_{counter}", help_text, labels=["consumer"])
        for name, figures in consumers.items():
            family.add_metric([name], figures[counter])
        yield family
    lag = GaugeMetricFamily(
        "portico_consumer_lag",
        "Events the consumer has not acked yet, per context it consumes (absent while the bus "
        "does not answer).",
        labels=["consumer", "context"],
    )
    for name, figures in consumers.items():
        for context, waiting in figures["lag"].items():
            if waiting is not None:
                lag.add_metric([name, context], waiting)
    yield lag
