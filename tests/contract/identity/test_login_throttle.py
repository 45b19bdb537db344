"""LoginThrottle counts failed logins atomically on every rate-limit store: 50 failures at once
count, and lock the account, exactly as 50 one after the other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis  # [adapter:redis]

from domain.identity.errors import TooManyAttempts
from entrypoints.http.security.rate_limit_store import CountingStore, MemoryRateLimitStore
from entrypoints.http.security.rate_limits import LoginThrottle
from entrypoints.http.security.redis_rate_limit_store import SharedRateLimitStore  # [adapter:redis]
from tests.support.redis import REDIS_URL, delete_prefix, unique_prefix  # [adapter:redis]
from tests.support.servers import free_port, require_server

FAILURES = 50
LOCKOUT = 300


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),  # [adapter:redis]
        "redis-unreachable",  # [adapter:redis]
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[CountingStore]:
    if request.param == "memory":
        yield MemoryRateLimitStore()
        return
    # [adapter:redis begin]
    if request.param == "redis-unreachable":  # counts in the process's memory meanwhile
        down = SharedRateLimitStore(
            Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2),
            namespace="nowhere",
        )
        yield down
        await down.close()
        return
    prefix = unique_prefix()
    shared = SharedRateLimitStore(
        Redis.from_url(require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")), namespace=prefix
    )
    try:
        yield shared
    finally:
        await delete_prefix(Redis.from_url(REDIS_URL), prefix)
        await shared.close()
    # [adapter:redis end]


async def test_parallel_failures_count_as_sequential_ones(store: CountingStore) -> None:
    throttle = LoginThrottle(store, max_failures=5, lockout_seconds=LOCKOUT)

    for _ in range(FAILURES):
        await throttle.failed("one-by-one@example.com")
    await asyncio.gather(*(throttle.failed("at-once@example.com") for _ in range(FAILURES)))

    for email in ("one-by-one@example.com", "at-once@example.com"):
        assert await store.get(throttle.key(email)) == str(FAILURES).encode()
        with pytest.raises(TooManyAttempts) as locked:
            await throttle.check(email)
        assert 0 < (locked.value.retry_after or 0) <= LOCKOUT


async def test_the_count_expires_with_the_lockout_and_a_success_clears_it(
    store: CountingStore,
) -> None:
    throttle = LoginThrottle(store, max_failures=2, lockout_seconds=LOCKOUT)

    # Counting and the restarted expiry with windows no load outlasts (two increments 1 s
    # apart on a 1 s expiry counted 1, not 2); only the last increment's expiry is waited out.
    assert await store.increment("k", LOCKOUT) == 1
    assert await store.increment("k", LOCKOUT // 2) == 2
    remaining = await store.expires_in("k")
    assert remaining is not None
    assert LOCKOUT // 4 < remaining <= LOCKOUT // 2  # the second increment restarted it
    assert await store.increment("k", 1) == 3
    await asyncio.sleep(1.1)  # a slower machine only waits longer past the expiry
    assert await store.get("k") is None

    await throttle.failed("ada@example.com")
    await throttle.succeeded("ada@example.com")
    await throttle.failed("ada@example.com")
    await throttle.check("ada@example.com")  # one failure since the success: not locked
