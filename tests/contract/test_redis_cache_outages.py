"""RedisCache when Redis is slow, absent, or comes back: misses instead of errors, a breaker
that opens and closes, and no entry served that an invalidation lost during the outage should
have removed. Each test runs its own redis-server on a free port and stops only that pid."""

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
from tests.support.redis import PrivateRedis, private_redis

pytestmark = pytest.mark.redis


@dataclass(frozen=True)
class Box:
    n: int


BOXES = CacheSpace("test", "box", 1, Box)
TTL = timedelta(minutes=5)
# Every call's timeout: a paused Redis (PAUSE, ended by UNPAUSE) outlasts it by far, so a write
# then times out on any machine; any other call has 2 s (0.1 s could run out at load, and a get
# that timed out reads as a miss, a fill as refused).
TIMEOUT = 2.0
PAUSE = 60_000  # milliseconds


@pytest.fixture
def server() -> Iterator[PrivateRedis]:
    with private_redis() as running:
        yield running


def make_cache(url: str, *, failures: int = 3, reset: float = 0.2) -> RedisCache:
    breaker = CircuitBreaker(
        "redis-test", failure_threshold=failures, reset_timeout=reset, failure_types=FAILURES
    )
    client = connect_redis(url, pool_size=4, timeout=TIMEOUT)
    return RedisCache(client, prefix="outage", timeout=TIMEOUT, breaker=breaker)


@pytest.fixture
async def admin(server: PrivateRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(server.url)
    yield client
    await client.aclose()


async def test_an_unreachable_redis_answers_misses_and_opens_the_circuit(
    server: PrivateRedis,
) -> None:
    cache = make_cache(server.url)
    await cache.set(BOXES.key("a"), Box(1), TTL)
    server.kill()

    for _ in range(5):
        assert await cache.get(BOXES.key("a")) is None
    await cache.set(BOXES.key("a"), Box(2), TTL)

    assert cache.breaker.state == "open"
    assert await cache.status() == "degraded"
    await cache.close()


async def test_the_circuit_closes_when_redis_is_back(server: PrivateRedis) -> None:
    cache = make_cache(server.url, reset=0.05)
    server.kill()
    for _ in range(3):
        await cache.get(BOXES.key("a"))
    assert cache.breaker.state == "open"

    server.start()
    await asyncio.sleep(0.1)  # past the reset timeout: the next call is the half-open probe

    assert await cache.status() == "up"
    assert cache.breaker.state == "closed"
    await cache.set(BOXES.key("a"), Box(3), TTL)
    assert await cache.get(BOXES.key("a")) == Box(3)
    await cache.close()


async def test_an_invalidation_lost_to_a_slow_redis_never_lets_the_old_entry_be_read(
    server: PrivateRedis, admin: Redis
) -> None:
    cache = make_cache(server.url, failures=100)
    other_process = make_cache(server.url, failures=100)
    key = BOXES.key("x")
    await cache.set(key, Box(1), TTL)
    assert await other_process.get(key) == Box(1)

    await admin.execute_command("CLIENT", "PAUSE", PAUSE, "WRITE")
    await cache.delete(key)  # times out: Redis still holds the old entry
    assert cache.invalidation_lost is True
    assert await cache.get(key) is None  # this process serves nothing it cannot vouch for
    await admin.execute_command("CLIENT", "UNPAUSE")

    assert await cache.get(key) is None  # healed: the generation moved on
    assert cache.invalidation_lost is False
    assert (await admin.get(f"outage:{key}") or b"")[:1] == b"="  # the old bytes are still there
    assert await other_process.get(key) is None  # and no process reads them any more
    miss = await cache.lookup(key)
    assert await cache.fill(key, Box(2), TTL, miss.ticket) is True
    assert await other_process.get(key) == Box(2)
    await cache.close()
    await other_process.close()


async def test_a_fill_begun_before_an_outage_is_not_stored_after_it(
    server: PrivateRedis, admin: Redis
) -> None:
    cache = make_cache(server.url, failures=100)
    key = BOXES.key("y")
    before = await cache.lookup(key)

    await admin.execute_command("CLIENT", "PAUSE", PAUSE, "WRITE")
    await cache.delete(key)
    await admin.execute_command("CLIENT", "UNPAUSE")

    assert await cache.fill(key, Box(1), TTL, before.ticket) is False
    assert await cache.get(key) is None
    await cache.close()
