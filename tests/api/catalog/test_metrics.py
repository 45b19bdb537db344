"""The metrics port in-process: off unless PORTICO_METRICS_PORT says, never on the API's port,
and in Prometheus's text format with route templates (not raw paths) when on. The requests are
counted through prometheus-client's multiprocess files, as under `portico serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client import CollectorRegistry, generate_latest

from application.catalog.read_cache import PRODUCTS
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.metrics.exposition import serve_metrics, shared_between_processes, sum_of_processes
from entrypoints.settings import (
    CacheSettings,
    MetricsSettings,
    RedisSettings,  # [adapter:redis]
    Settings,
)
from tests.api.conftest import Client, create
from tests.support.auth import auth_headers
from tests.support.metrics import samples
from tests.support.servers import free_port


async def test_metrics_are_off_by_default_and_never_on_the_api_port(
    client: Client, settings: Settings
) -> None:
    assert not settings.metrics.enabled
    assert build_container(settings).platform.metrics() is None
    assert (await client.get("/metrics")).status_code == 404
    on = msgspec.structs.replace(settings, metrics=MetricsSettings(port=free_port()))
    async with AsyncTestClient(create_app(build_container(on))) as metered:
        assert (await metered.get("/metrics")).status_code == 404


async def test_the_metrics_port_counts_requests_by_route_template(
    settings: Settings, tmp_path: Path, new_product: dict[str, Any]
) -> None:
    port = free_port()
    on = msgspec.structs.replace(settings, metrics=MetricsSettings(port=port))
    with shared_between_processes() as directory:
        container = build_container(on)
        async with AsyncTestClient(create_app(container)) as client:
            client.headers.update(await auth_headers(container, "staff"))
            product = await create(client, new_product)
            for _ in range(3):
                assert (await client.get(f"/api/v1/products/{product['id']}")).status_code == 200
            assert (await client.get("/no/such/route")).status_code == 404
            assert (await client.request("BREW", "/api/v1/products")).status_code >= 400
        server = serve_metrics(on, port, sum_of_processes(directory))
        try:
            async with httpx.AsyncClient() as scraper:
                answer = await scraper.get(f"http://127.0.0.1:{port}/metrics")
        finally:
            server.shutdown()
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(answer.text)
    route = "/api/v1/products/{product_id}"
    read = frozenset({("method", "GET"), ("route", route), ("status", "200")})
    assert found[("portico_http_requests_total", read)] == 3
    unmatched = frozenset({("method", "GET"), ("route", "<unmatched>"), ("status", "404")})
    assert found[("portico_http_requests_total", unmatched)] == 1
    every = frozenset({("method", "GET"), ("route", route), ("le", "+Inf")})
    assert found[("portico_http_request_duration_seconds_bucket", every)] >= 3
    assert not any(product["id"] in str(labels) for _, labels in found)  # templates, not paths
    methods = {value for _, labels in found for name, value in labels if name == "method"}
    assert methods == {"GET", "POST", "other"}  # a caller's odd method makes no series of its own
    assert found[("portico_sign_in_failures_total", frozenset())] == 0


def test_a_metrics_port_in_use_stops_with_one_line(settings: Settings) -> None:
    port = free_port()
    on = msgspec.structs.replace(settings, metrics=MetricsSettings(port=port))
    server = serve_metrics(on, port, CollectorRegistry())
    try:
        with pytest.raises(ValueError, match=f"metrics port 127.0.0.1:{port}.*cannot be bound"):
            serve_metrics(on, port, CollectorRegistry())
    finally:
        server.shutdown()


# [adapter:redis begin]
async def test_an_open_circuit_breaker_shows_in_the_metrics(settings: Settings) -> None:
    nobody = free_port()  # a Redis that does not answer: the first failure opens the circuit
    on = msgspec.structs.replace(
        settings,
        metrics=MetricsSettings(port=free_port()),
        cache=CacheSettings(backend="redis", breaker_failures=1),
        redis=RedisSettings(url=f"redis://127.0.0.1:{nobody}/0"),
    )
    container = build_container(on)
    cache, metrics = container.platform.redis.cache(), container.platform.dependency_metrics()
    assert metrics is not None
    try:
        assert await cache.status() == "degraded"
        assert await cache.get(PRODUCTS.key("p-1")) is None  # refused: the circuit is open
    finally:
        await cache.close()
    found = samples(generate_latest(metrics.registry).decode())
    assert found[("portico_circuit_open", frozenset({("circuit", "redis-cache")}))] == 1
    # The failed PING is counted; the lookup the open circuit refused tried nothing.
    assert (
        found[("portico_cache_errors_total", frozenset({("cache", "-"), ("operation", "ping")}))]
        == 1
    )
    assert not any(
        dict(labels).get("operation") == "lookup"
        for name, labels in found
        if name == "portico_cache_errors_total"
    )


async def test_a_failed_cache_read_is_counted_under_its_cache(settings: Settings) -> None:
    on = msgspec.structs.replace(
        settings,
        metrics=MetricsSettings(port=free_port()),
        cache=CacheSettings(backend="redis", breaker_failures=5),
        redis=RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0"),  # nobody answers
    )
    container = build_container(on)
    cache, metrics = container.platform.redis.cache(), container.platform.dependency_metrics()
    assert metrics is not None
    try:
        assert await cache.get(PRODUCTS.key("p-1")) is None  # a miss, not an error
    finally:
        await cache.close()
    found = samples(generate_latest(metrics.registry).decode())
    labels = frozenset({("cache", "catalog:product"), ("operation", "lookup")})
    assert found[("portico_cache_errors_total", labels)] == 1


# [adapter:redis end]
