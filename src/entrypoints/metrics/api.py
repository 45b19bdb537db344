"""ApiMetrics: what `portico serve`'s processes count as they answer.

Requests by method, route template (the route's pattern, `/api/v1/products/{product_id}`, never
the raw path, so the series stay few whatever callers send) and status, with their latency;
sign-in failures and refusals of locked accounts (the dependencies' figures: dependencies.py). Under
`portico serve` the values live in prometheus-client's per-process files (exposition.py), so
every worker's counts add up.

Writing those files costs a lock and a memory-mapped write per value, three per request (about
6 µs, 4 % of a cached read): requests are added up in plain dicts instead and written once a
second (FLUSH_EVERY) and at shutdown, so a scrape sees them at most that late.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from bisect import bisect_left
from typing import TYPE_CHECKING

from entrypoints.settings import Settings

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

# A request that matched no route (404, 405 before routing) has no template.
UNMATCHED = "<unmatched>"
# The method is the caller's to choose: any other is counted as "other", so the series stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: from a cache hit (about a millisecond) to a request near its timeout.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FLUSH_EVERY = 1.0  # seconds a request's count may wait before a scrape sees it


class ApiMetrics:
    def __init__(self) -> None:
        # Imported here: a process with metrics off never loads prometheus-client (1.7 MB).
        from prometheus_client import CollectorRegistry, Counter, Histogram

        # Its own registry: each container (tests build many) registers its series once.
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "portico_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._duration = Histogram(
            "portico_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self._sign_in_failures = Counter(
            "portico_sign_in_failures",
            "Logins refused for a wrong email or password.",
            registry=self.registry,
        )
        self._locked_out = Counter(
            "portico_sign_in_locked_out",
            "Logins refused because the account is locked after too many failures.",
            registry=self.registry,
        )

        # Known methods x route templates x statuses: their series handles, looked up once
        # (labels() costs as much as counting), and what was counted since the last flush as
        # [requests, seconds, one count per bucket] (the last bucket is +Inf).
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._pending: dict[tuple[str, str, int], list[float]] = {}
        self._flusher: asyncio.Task[None] | None = None

    def request(self, method: str, route: str | None, status: int, seconds: float) -> None:
        # The method is the caller's to choose and the route None when nothing matched: both
        # are named before they become keys, so the keys stay as few as the series.
        key = (method if method in _METHODS else "other", route or UNMATCHED, status)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = [0.0] * (len(_BUCKETS) + 3)
        pending[0] += 1
        pending[1] += seconds
        pending[2 + bisect_left(_BUCKETS, seconds)] += 1  # le: the first bound >= seconds

    def flush(self) -> None:
        """Write what was counted since the last flush into the series."""
        pending, self._pending = self._pending, {}
        for key, (count, seconds, *buckets) in pending.items():
            series = self._series.get(key)
            if series is None:
                method, route, status = key
                series = self._series[key] = (
                    self._requests.labels(method, route, str(status)),
                    self._duration.labels(method, route),
                )
            series[0].inc(count)
            # What observe() does once per request, once per flush: tests/unit/test_api_metrics.py
            # checks the exposition is the same as with observe(). Private: prometheus-client has
            # no public way to add many observations (its maintainers declined one, client_python
            # #733/#734, and point to custom collectors, whose values no multiprocess file holds).
            # observe() per request at the flush costs 1.6 µs more per request under `portico
            # serve`, 0.75 µs in one process (bench/README.md, session 16).
            histogram = series[1]
            histogram._sum.inc(seconds)
            for bucket, added in zip(histogram._buckets, buckets, strict=True):
                if added:
                    bucket.inc(added)

    async def start(self) -> None:
        """At a worker's startup: flush once a second."""
        self._flusher = asyncio.create_task(self._flush_every(FLUSH_EVERY))

    async def _flush_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.flush()

    def sign_in_failed(self) -> None:
        self._sign_in_failures.inc()

    def locked_out(self) -> None:
        self._locked_out.inc()

    async def close(self) -> None:
        """At a worker's shutdown: what is pending is written, and its live values (pools,
        circuits) leave the sums."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        self.flush()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def api_metrics(settings: Settings) -> ApiMetrics | None:
    """None with metrics off: then nothing is counted at all."""
    return ApiMetrics() if settings.metrics.enabled else None
