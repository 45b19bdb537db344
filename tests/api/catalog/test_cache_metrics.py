"""The read-through cache's series move as the API reads (from the registry in process): hits
and misses per cache; nothing counted without a cache. Failures: test_metrics.py."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.metrics.dependencies import DependencyMetrics
from entrypoints.settings import CacheSettings, MetricsSettings, Settings
from tests.api.conftest import create
from tests.support.auth import auth_headers
from tests.support.metrics import Samples, registry_samples
from tests.support.servers import free_port


def series(metrics: DependencyMetrics | None) -> Samples:
    assert metrics is not None
    return registry_samples(metrics.registry)


def metered(settings: Settings, **changes: Any) -> Settings:
    return msgspec.structs.replace(settings, metrics=MetricsSettings(port=free_port()), **changes)


async def test_cache_reads_are_counted_as_hits_and_misses_per_cache(
    settings: Settings, new_product: dict[str, Any]
) -> None:
    container = build_container(metered(settings, cache=CacheSettings(backend="memory")))
    async with AsyncTestClient(create_app(container)) as client:
        client.headers.update(await auth_headers(container, "staff"))
        product = await create(client, new_product)
        for _ in range(3):  # loaded once, then answered from the cache
            assert (await client.get(f"/api/v1/products/{product['id']}")).status_code == 200

    found = series(container.platform.dependency_metrics())
    product_reads = ("portico_cache_reads_total", "catalog:product")
    assert (
        found[product_reads[0], frozenset({("cache", product_reads[1]), ("result", "miss")})] == 1
    )
    assert found[product_reads[0], frozenset({("cache", product_reads[1]), ("result", "hit")})] == 2


async def test_no_cache_counts_no_reads(settings: Settings, new_product: dict[str, Any]) -> None:
    container = build_container(metered(settings, cache=CacheSettings(backend="none")))
    async with AsyncTestClient(create_app(container)) as client:
        client.headers.update(await auth_headers(container, "staff"))
        product = await create(client, new_product)
        assert (await client.get(f"/api/v1/products/{product['id']}")).status_code == 200

    assert not any(
        name.startswith("portico_cache_reads")
        for name, _ in series(container.platform.dependency_metrics())
    )
