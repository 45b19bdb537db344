"""Kill Redis in the middle of reads and writes through the app, then bring it back.

The real server (`portico serve`, granian), its own redis-server on a free port (never the
shared one), SQLite as the database. Every request
must succeed, and no read may answer a version older than one a write had already returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN, PATIENCE, portico_env, serving, sign_in, sqlite_copy
from tests.support.redis import PrivateRedis, private_redis

pytestmark = pytest.mark.redis


@pytest.fixture
def server() -> Iterator[PrivateRedis]:
    with private_redis() as running:
        yield running


@pytest.fixture
async def client(
    server: PrivateRedis, sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    env = portico_env(
        environment="test",
        log_level="ERROR",
        access_log="false",
        database_url=sqlite_copy(sqlite_template, tmp_path, "outage.db"),
        cache="redis",
        redis_url=server.url,
        redis_timeout_ms="100",
        cache_breaker_failures="3",
        cache_breaker_reset_ms="100",
        cache_prefix="outage-e2e",
    )
    with serving(env, tmp_path) as (base_url, _):
        with httpx.Client(base_url=base_url, timeout=PATIENCE) as sync_http:
            headers = sign_in(sync_http, *ADMIN)
        async with httpx.AsyncClient(base_url=base_url, timeout=PATIENCE, headers=headers) as http:
            yield http


async def test_reads_and_writes_survive_redis_dying_and_returning(
    client: httpx.AsyncClient, server: PrivateRedis
) -> None:
    ids: list[str] = []
    for n in range(4):
        created = await client.post(
            "/api/v1/products",
            json={
                "sku": f"TEA-{n}",
                "name": f"Tea {n}",
                "price": {"amount": "3.00", "currency": "EUR"},
            },
        )
        assert created.status_code == 201
        ids.append(created.json()["id"])
    returned = dict.fromkeys(ids, 1)
    failures: list[str] = []
    stale: list[str] = []
    reads = writes = 0
    running = True

    async def writer(product_id: str) -> None:
        nonlocal writes
        while running:
            answer = await client.post(
                f"/api/v1/products/{product_id}/stock-adjustments", json={"delta": 1}
            )
            if answer.status_code != 200:
                failures.append(f"write {answer.status_code}: {answer.text}")
                continue
            writes += 1
            returned[product_id] = max(returned[product_id], answer.json()["version"])
            await asyncio.sleep(0.005)

    async def reader(offset: int) -> None:
        nonlocal reads
        n = offset
        while running:
            product_id = ids[n % len(ids)]
            n += 1
            floor = returned[product_id]
            answer = await client.get(f"/api/v1/products/{product_id}")
            if answer.status_code != 200:
                failures.append(f"read {answer.status_code}: {answer.text}")
                continue
            reads += 1
            if answer.json()["version"] < floor:
                stale.append(f"{product_id}: v{answer.json()['version']} after v{floor}")

    async def health_is(status: str) -> bool:
        answer = await client.get("/health/ready")
        return (answer.status_code, answer.json()["checks"]["cache"]["status"]) == (200, status)

    tasks = [asyncio.create_task(writer(pid)) for pid in ids]
    tasks += [asyncio.create_task(reader(n)) for n in range(6)]
    try:
        # Guards against a loaded machine, not assertions on speed: each waits for a state.
        assert await eventually(lambda: health_is("up"))
        server.kill()
        assert await eventually(lambda: health_is("degraded"))
        # Reads (from the database) and writes go on while the cache is away, and after.
        reads_while_down, writes_while_down = reads, writes
        assert await eventually(lambda: _true(reads > reads_while_down))
        assert await eventually(lambda: _true(writes > writes_while_down))
        server.start()
        assert await eventually(lambda: health_is("up"))
        reads_back, writes_back = reads, writes
        assert await eventually(lambda: _true(reads > reads_back and writes > writes_back))
        await asyncio.sleep(0.5)
    finally:
        running = False
        await asyncio.gather(*tasks)

    assert failures == []
    assert stale == []
    for product_id, version in returned.items():
        answer = await client.get(f"/api/v1/products/{product_id}")
        assert answer.json()["version"] == version


async def _true(value: bool) -> bool:
    return value


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 60.0) -> bool:
    """Whether `check` comes true within `seconds` (polled every 50 ms)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
