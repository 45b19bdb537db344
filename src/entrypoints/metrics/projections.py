"""ProjectionCollector: how far each projection is behind the event store, read when scraped.

The figure is the database's (the store's head against each projection's position), the same
the readiness probe compares with PORTICO_PROJECTION_LAG_DEGRADED: any process may read it, and
`portico worker` does, whether or not it runs the projector. As for the messaging figures, the
scrape's thread asks the worker's event loop and waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from application.shared.projector import Projector

_log = structlog.get_logger("portico.metrics")


class ProjectionCollector(Collector):
    def __init__(
        self,
        projectors: Sequence[Projector],
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = 5.0,
    ) -> None:
        self._projectors = projectors
        self._loop = loop
        self._timeout = timeout

    def collect(self) -> Iterator[Metric]:
        try:
            lags = asyncio.run_coroutine_threadsafe(self._lags(), self._loop).result(self._timeout)
        except Exception as error:  # a scrape answers what it can; the log says why not
            _log.warning("metrics.projections_unavailable", detail=repr(error))
            return
        yield lag_series(lags)

    async def _lags(self) -> dict[str, int]:
        lags: dict[str, int] = {}
        for projector in self._projectors:
            lags.update(await projector.lag())
        return lags


def lag_series(lags: Mapping[str, int]) -> Metric:
    family = GaugeMetricFamily(
        "portico_projection_lag",
        "Events of the event store the projection has not applied yet (absent while the "
        "database does not answer).",
        labels=["projection"],
    )
    for name, behind in lags.items():
        family.add_metric([name], behind)
    return family
