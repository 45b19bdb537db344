"""RedisCache's lookups made in the same turn of the event loop: one MGET for all of them, each
answered its own entry, an invalidation never overtaken, a failure counted once. On a private
redis-server (its command counts are ours alone), stopped by its pid."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from adapters.cache.redis import FAILURES, RedisCache
from adapters.cache.redis_client import connect_redis
from adapters.resilience.circuit_breaker import CircuitBreaker
from application.shared.ports.cache import CacheSpace
from tests.support.redis import PATIENCE, PrivateRedis, private_redis

pytestmark = pytest.mark.redis


@dataclass(frozen=True)
class Box:
    n: int


BOXES = CacheSpace("test", "box", 1, Box)
CRATES = CacheSpace("test", "crate", 1, Box)
TTL = timedelta(minutes=5)


@pytest.fixture
def server() -> Iterator[PrivateRedis]:
    with private_redis() as running:
        yield running


@pytest.fixture
async def admin(server: PrivateRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(server.url)
    yield client
    await client.aclose()


def make_cache(url: str, *, failures: int = 5) -> RedisCache:
    breaker = CircuitBreaker(
        "redis-test", failure_threshold=failures, reset_timeout=5.0, failure_types=FAILURES
    )
    client = connect_redis(url, pool_size=4, timeout=PATIENCE)
    return RedisCache(client, prefix="batch", timeout=PATIENCE, breaker=breaker)


async def mgets(admin: Redis) -> int:
    stats = await admin.info("commandstats")
    return int(stats.get("cmdstat_mget", {}).get("calls", 0))


async def test_lookups_made_together_share_one_mget_and_each_reads_its_own_entry(
    admin: Redis, server: PrivateRedis
) -> None:
    cache = make_cache(server.url)
    for n in range(20):
        await cache.set(BOXES.key(str(n)), Box(n), TTL)
    await cache.set(CRATES.key("0"), Box(100), TTL)
    before = await mgets(admin)

    keys = [BOXES.key(str(n)) for n in range(20)] + [BOXES.key("none"), CRATES.key("0")]
    found = await asyncio.gather(*(cache.lookup(key) for key in keys))

    assert [lookup.value for lookup in found] == [Box(n) for n in range(20)] + [None, Box(100)]
    assert await mgets(admin) - before == 1
    # The miss's ticket is its own: a fill with it is stored.
    assert await cache.fill(keys[20], Box(-1), TTL, found[20].ticket) is True
    assert await cache.get(keys[20]) == Box(-1)
    await cache.close()


async def test_a_lookup_begun_after_an_invalidation_returned_misses_whatever_is_in_flight(
    server: PrivateRedis,
) -> None:
    cache = make_cache(server.url)
    key = BOXES.key("x")
    await cache.set(key, Box(1), TTL)
    readers = [asyncio.ensure_future(cache.lookup(key)) for _ in range(8)]

    await cache.delete(key)
    after = [await cache.lookup(key) for _ in range(3)]
    after += await asyncio.gather(*(cache.lookup(key) for _ in range(8)))

    assert all(lookup.value is None for lookup in after)
    assert {(await reader).value for reader in readers} <= {Box(1), None}
    await cache.close()


async def test_a_failed_batch_is_a_miss_for_each_lookup_and_one_failure_for_the_breaker(
    server: PrivateRedis,
) -> None:
    cache = make_cache(server.url, failures=2)
    server.kill()

    found = await asyncio.gather(*(cache.lookup(BOXES.key(str(n))) for n in range(10)))

    assert [lookup.value for lookup in found] == [None] * 10
    assert cache.breaker.failures == 1
    assert cache.breaker.state == "closed"
    assert await cache.get(BOXES.key("0")) is None
    assert cache.breaker.state == "open"
    await cache.close()


async def test_claims_made_together_go_in_one_pipeline_and_one_of_a_key_is_granted(
    admin: Redis, server: PrivateRedis
) -> None:
    cache = make_cache(server.url)
    hold = timedelta(seconds=5)
    before = int((await admin.info("commandstats")).get("cmdstat_set", {}).get("calls", 0))

    granted = await asyncio.gather(
        cache.claim(BOXES.key("a"), hold),
        cache.claim(BOXES.key("a"), hold),
        cache.claim(BOXES.key("b"), hold),
    )

    assert granted == [True, False, True]
    after = int((await admin.info("commandstats")).get("cmdstat_set", {}).get("calls", 0))
    assert after - before == 3
    assert await admin.pttl("batch:~claim:test:box:v1:a") > 0
    await cache.close()


async def test_fills_made_together_each_store_their_value_and_a_stale_one_is_refused(
    server: PrivateRedis,
) -> None:
    cache = make_cache(server.url)
    await cache.set(BOXES.key("first"), Box(0), TTL)  # the generation exists
    keys = [BOXES.key(str(n)) for n in range(5)]
    misses = await asyncio.gather(*(cache.lookup(key) for key in keys))
    await cache.delete(keys[0])  # invalidated after its lookup: its fill must not land

    stored = await asyncio.gather(
        *(
            cache.fill(key, Box(n), TTL, miss.ticket)
            for n, (key, miss) in enumerate(zip(keys, misses, strict=True))
        )
    )

    assert stored == [False, True, True, True, True]
    assert [await cache.get(key) for key in keys] == [None, Box(1), Box(2), Box(3), Box(4)]
    await cache.close()


async def test_a_fill_after_redis_forgot_its_scripts_is_stored(
    admin: Redis, server: PrivateRedis
) -> None:
    cache = make_cache(server.url)
    key = BOXES.key("z")
    miss = await cache.lookup(key)
    await admin.script_flush()

    assert await cache.fill(key, Box(7), TTL, miss.ticket) is True
    assert await cache.get(key) == Box(7)
    assert cache.breaker.failures == 0
    await cache.close()
