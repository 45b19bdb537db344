"""The Redis cache through Redis Sentinel (PORTICO_REDIS_URL=redis+sentinel://...): a master, a
replica and three sentinels of our own. The cache keeps working after a failover the sentinels
are asked for, and after the master is killed: the client asks the sentinels again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from redis import Redis

from adapters.cache.redis import RedisCache
from adapters.cache.redis_client import parse_sentinel_url
from application.shared.ports.cache import CacheSpace
from entrypoints.platform.redis import build_redis_cache
from entrypoints.settings import CacheSettings, RedisSettings, Settings
from tests.support.redis_sentinel import PATIENCE, SERVICE, SentinelGroup

pytestmark = pytest.mark.redis


@dataclass(frozen=True)
class Box:
    n: int


BOXES = CacheSpace("test", "box", 1, Box)
TTL = timedelta(minutes=5)
WAIT = 60.0  # guards against hanging, never an assertion on speed


@pytest.fixture
def group(tmp_path: Path) -> Iterator[SentinelGroup]:
    running = SentinelGroup(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def sentinel_cache(url: str) -> RedisCache:
    """Built as the API builds it, from the settings."""
    settings = Settings(
        cache=CacheSettings(backend="redis", prefix="sentinel", breaker_reset_ms=50),
        # A command's bound is not under test here (a dead master refuses at once): 500 ms let
        # a status probe on a loaded machine say "degraded".
        redis=RedisSettings(url=url, timeout_ms=int(PATIENCE * 1000)),
    )
    return build_redis_cache(settings)


async def stored(cache: RedisCache, n: int) -> Box | None:
    """Write then read one entry, as many times as the switch to a new master takes."""
    async with asyncio.timeout(WAIT):
        while True:
            await cache.set(BOXES.key("a"), Box(n), TTL)
            found = await cache.get(BOXES.key("a"))
            if found == Box(n):
                return found
            await asyncio.sleep(0.1)


def holds(port: int, n: int) -> bool:
    """Whether the server on `port` has the entry written for `n` (in the cache's layout)."""
    with Redis(port=port, socket_timeout=PATIENCE) as server:
        keys = server.keys("sentinel:*box*")
        payload = msgspec.msgpack.encode(Box(n))
        return bool(keys) and all(value.endswith(payload) for value in server.mget(keys))


async def test_the_cache_follows_the_master_through_a_failover_and_a_killed_master(
    group: SentinelGroup,
) -> None:
    cache = sentinel_cache(group.url)
    first = group.master()
    assert await stored(cache, 1) == Box(1)
    assert holds(first, 1)
    assert await cache.status() == "up"

    second = group.failover()  # what an operator does before maintenance
    assert second != first
    assert await stored(cache, 2) == Box(2)
    assert holds(second, 2)
    assert group.role(first) == "slave"

    group.kill(second)  # the master dies: the sentinels elect the other one
    third = group.wait_for_master(other_than=second)
    assert third == first
    assert await stored(cache, 3) == Box(3)
    assert holds(third, 3)
    assert await cache.status() == "up"
    await cache.close()


def test_a_sentinel_url_names_its_sentinels_service_database_and_credentials() -> None:
    sentinels, service, options = parse_sentinel_url(
        "redis+sentinel://:s%40cret@10.0.0.1:26379, [::1]:26380/" + SERVICE + "/2"
    )
    assert sentinels == [("10.0.0.1", 26379), ("::1", 26380)]
    assert service == SERVICE
    assert options == {"db": 2, "password": "s@cret"}


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+sentinel:///portico", "at least one sentinel"),
        ("redis+sentinel://h:26379", "names its service"),
        ("redis+sentinel://h:26379/portico/x", "not a number"),
        ("redis+sentinel://h/portico", "not host:port"),
    ],
)
def test_a_malformed_sentinel_url_is_refused(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_sentinel_url(url)
