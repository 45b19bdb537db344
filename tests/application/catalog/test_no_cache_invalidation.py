"""ReadThrough.holds_nothing: writers skip building invalidation keys only when no read could
answer stale (no cache that stores, and no single flight whose load a later read may join)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from application.catalog.read_cache import CatalogReadCache, product_key
from application.shared.read_through import ReadThrough
from domain.shared.tenant import Tenant

TTL = timedelta(minutes=5)
WAIT = 30.0  # a guard against hanging (a joined load never returns), not a speed assertion


def test_only_no_cache_without_single_flight_holds_nothing() -> None:
    assert ReadThrough(NoCache(), single_flight=False).holds_nothing
    assert not ReadThrough(NoCache(), single_flight=True).holds_nothing
    assert not ReadThrough(MemoryCache(max_entries=10), single_flight=False).holds_nothing


async def test_a_write_still_detaches_a_load_in_flight_with_no_cache_but_single_flight() -> None:
    reads = ReadThrough(NoCache(), single_flight=True)
    tenant, product = Tenant.single(), uuid4()
    key = product_key(tenant, product)
    release, values = asyncio.Event(), iter(["before the write", "after the write"])

    async def load() -> str:
        value = next(values)
        if value == "before the write":
            await release.wait()
        return value

    early = asyncio.create_task(reads.read(key, load, TTL))
    await asyncio.sleep(0)
    assert reads.loads_in_flight == 1
    await CatalogReadCache(reads).forget_products(tenant, [product])
    # A read after the write does not join the load that began before it.
    assert await asyncio.wait_for(reads.read(key, load, TTL), WAIT) == "after the write"
    release.set()
    assert await early == "before the write"
