"""ApiMetrics: what `portico serve`'s processes count as they answer.

Requests by method, route template (the route's pattern, `/api/v1/products/{product_id}`, never
the raw path, so the series stay few whatever callers send) and status, with their latency;
sign-in failures and refusals of locked accounts (the dependencies' figures: dependencies.py). Under
`portico serve` the values live in prometheus-client's per-process files (exposition.py), so
every worker's counts add up.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

from entrypoints.settings import Settings

# A request that matched no route (404, 405 before routing) has no template.
UNMATCHED = "<unmatched>"
# The method is the caller's to choose: any other is counted as "other", so the series stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REMEMBERED = 10_000
# Seconds: from a cache hit (about a millisecond) to a request near its timeout.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self) -> None:
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

        # Known methods x route templates x statuses; odd methods are new keys, so it stops
        # growing at _REMEMBERED (beyond, labels() is looked up each time).
        self._series: dict[tuple[str, str | None, int], tuple[Counter, Histogram]] = {}

    def request(self, method: str, route: str | None, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:  # labels() costs as much as counting: look each series up once
            method = method if method in _METHODS else "other"
            route = route or UNMATCHED
            series = (
                self._requests.labels(method, route, str(status)),
                self._duration.labels(method, route),
            )
            if len(self._series) < _REMEMBERED:
                self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def sign_in_failed(self) -> None:
        self._sign_in_failures.inc()

    def locked_out(self) -> None:
        self._locked_out.inc()

    def close(self) -> None:
        """At a worker's shutdown: its live values (pools, circuits) leave the sums."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def api_metrics(settings: Settings) -> ApiMetrics | None:
    """None with metrics off: then nothing is counted at all."""
    return ApiMetrics() if settings.metrics.enabled else None
