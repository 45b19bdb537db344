"""ApiMetrics adds requests up in plain dicts and writes them into prometheus-client's series once
a second: what a scrape then shows is exactly what counting each request with observe() shows
(this guards the histogram internals the flush writes to), and nothing shows before a flush."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from entrypoints.metrics import api
from entrypoints.metrics.api import ApiMetrics

LATENCIES = [0.0004, 0.001, 0.0011, 0.003, 0.04, 0.2, 0.9, 3.0, 12.0, 0.001]
ROUTE = "/api/v1/products/{product_id}"


def _one_by_one() -> bytes:
    """The same requests, counted as prometheus-client means it: one observe() each."""
    registry = CollectorRegistry()
    requests = Counter(
        "portico_http_requests", "", ["method", "route", "status"], registry=registry
    )
    duration = Histogram(
        "portico_http_request_duration_seconds",
        "",
        ["method", "route"],
        buckets=api._BUCKETS,
        registry=registry,
    )
    for seconds in LATENCIES:
        requests.labels("GET", ROUTE, "200").inc()
        duration.labels("GET", ROUTE).observe(seconds)
    requests.labels("other", api.UNMATCHED, "405").inc()
    duration.labels("other", api.UNMATCHED).observe(0.002)
    return generate_latest(registry)


def _series(exposition: bytes) -> list[str]:
    return sorted(
        line
        for line in exposition.decode().splitlines()
        if line.startswith("portico_http_request") and "_created" not in line
    )


def test_a_flush_writes_what_observe_would_have() -> None:
    metrics = ApiMetrics()
    for seconds in LATENCIES:
        metrics.request("GET", ROUTE, 200, seconds)
    metrics.request("BREW", None, 405, 0.002)
    assert "portico_http_requests_total{" not in generate_latest(metrics.registry).decode()

    metrics.flush()
    assert _series(generate_latest(metrics.registry)) == _series(_one_by_one())
    metrics.flush()  # nothing new: nothing added twice
    assert _series(generate_latest(metrics.registry)) == _series(_one_by_one())


async def test_a_started_worker_flushes_on_its_own_and_at_shutdown() -> None:
    metrics = ApiMetrics()
    api_flush_every, api.FLUSH_EVERY = api.FLUSH_EVERY, 0.05
    try:
        await metrics.start()
        metrics.request("GET", ROUTE, 200, 0.01)
        for _ in range(100):
            if 'status="200"} 1.0' in generate_latest(metrics.registry).decode():
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the periodic flush never wrote the request")
        metrics.request("GET", ROUTE, 200, 0.01)
    finally:
        api.FLUSH_EVERY = api_flush_every
        await metrics.close()
    assert 'status="200"} 2.0' in generate_latest(metrics.registry).decode()
