"""With PORTICO_CACHE=redis the sign-in limits are counted in Redis, so they hold across
processes; with Redis unreachable they fall back to per-process counting, and nothing fails."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import CacheSettings, RedisSettings, Settings
from tests.support.redis import PATIENCE, REDIS_URL, delete_prefix
from tests.support.servers import free_port, require_server

Client = AsyncTestClient[Litestar]
LIMIT = 4


def limited(settings: Settings, redis_url: str, prefix: str) -> Settings:
    return msgspec.structs.replace(
        settings,
        background="off",
        cache=CacheSettings(backend="redis", prefix=prefix),
        # Patience, not a behaviour: a count that timed out would fall back to the process's own
        # (the unreachable case, refused at once), and 200 ms could run out on a loaded machine.
        redis=RedisSettings(url=redis_url, timeout_ms=int(PATIENCE * 1000)),
        auth=msgspec.structs.replace(settings.auth, rate_limit_per_minute=LIMIT),
    )


async def failed_login(client: Client, n: int) -> int:
    response = await client.post(
        "/api/v1/auth/login", json={"email": f"nobody{n}@example.com", "password": "a wrong guess!"}
    )
    return response.status_code


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    name = f"ratelimit-{uuid.uuid4().hex[:8]}"
    yield name
    client = Redis.from_url(url)
    await delete_prefix(client, name)
    await client.aclose()


@pytest.mark.redis
async def test_two_processes_share_one_limit(settings: Settings, prefix: str) -> None:
    shared = limited(settings, REDIS_URL, prefix)
    one, two = create_app(build_container(shared)), create_app(build_container(shared))
    async with AsyncTestClient(one) as first, AsyncTestClient(two) as second:
        statuses = [await failed_login((first, second)[n % 2], n) for n in range(LIMIT + 2)]

    # Each process alone would allow LIMIT requests; together they allow LIMIT in all.
    assert statuses == [401] * LIMIT + [429, 429]


async def test_an_unreachable_redis_limits_per_process_and_fails_nothing(
    settings: Settings,
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(build_container(limited(settings, nowhere, "unreachable")))
    async with AsyncTestClient(app) as client:
        statuses = [await failed_login(client, n) for n in range(LIMIT + 1)]

    assert statuses == [401] * LIMIT + [429]
