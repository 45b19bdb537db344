"""ONE contract for PendingSignIns (social sign-in's state and one-time codes): in the process,
and in Redis, where every process sees them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis  # [adapter:redis]

from adapters.identity.pending_sign_ins import MemoryPendingSignIns
from adapters.identity.redis_pending_sign_ins import RedisPendingSignIns  # [adapter:redis]
from application.identity.social_ports import PendingSignIns
from tests.support.redis import REDIS_URL, delete_prefix, unique_prefix  # [adapter:redis]
from tests.support.servers import require_server


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),  # [adapter:redis]
    ]
)
async def pending(request: pytest.FixtureRequest) -> AsyncIterator[PendingSignIns]:
    if request.param == "memory":
        yield MemoryPendingSignIns()
        return
    # [adapter:redis begin]
    prefix = unique_prefix()
    shared = RedisPendingSignIns(
        Redis.from_url(require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")), namespace=prefix
    )
    try:
        yield shared
    finally:
        await delete_prefix(Redis.from_url(REDIS_URL), prefix)
        await shared.close()
    # [adapter:redis end]


async def test_a_value_is_taken_once(pending: PendingSignIns) -> None:
    await pending.put("state:a", {"provider": "oidc", "nonce": "n"}, timedelta(minutes=1))
    assert await pending.take("state:a") == {"provider": "oidc", "nonce": "n"}
    assert await pending.take("state:a") is None
    assert await pending.take("state:never") is None


async def test_of_concurrent_takes_one_gets_the_value(pending: PendingSignIns) -> None:
    await pending.put("code:x", {"user": "u"}, timedelta(minutes=1))
    taken = await asyncio.gather(*(pending.take("code:x") for _ in range(20)))
    assert [value for value in taken if value is not None] == [{"user": "u"}]


async def test_a_value_expires(pending: PendingSignIns) -> None:
    await pending.put("state:short", {"provider": "oidc"}, timedelta(milliseconds=100))
    await pending.put("state:long", {"provider": "oidc"}, timedelta(minutes=1))
    await asyncio.sleep(0.3)
    assert await pending.take("state:short") is None
    assert await pending.take("state:long") == {"provider": "oidc"}
