"""PORTICO_DATABASE_READ_URL against a real PostgreSQL streaming replica (a private primary and
a replica made by pg_basebackup, on loopback): queries read the replica, commands the primary;
readiness shows the replica's lag; when the replica goes away, queries read the primary and
readiness says degraded; when it is back, queries return to it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import CacheSettings, DatabaseSettings, Settings
from tests.api.catalog.test_database_outages import create_tables, product, sql_settings
from tests.support.auth import auth_headers
from tests.support.postgres import (
    PrivatePostgres,
    PrivatePostgresReplica,
    private_postgres,
    private_replica,
)

pytestmark = pytest.mark.postgres
Client = AsyncTestClient[Litestar]
PRODUCTS = "/api/v1/products"


@pytest.fixture
def primary() -> Iterator[PrivatePostgres]:
    with private_postgres() as running:
        yield running


@pytest.fixture
def replica(primary: PrivatePostgres) -> Iterator[PrivatePostgresReplica]:
    with private_replica(primary) as running:
        yield running


async def on_replica(replica: PrivatePostgresReplica, statement: str) -> Any:
    engine = create_async_engine(replica.url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def client(
    primary: PrivatePostgres, replica: PrivatePostgresReplica, tmp_path: Path
) -> AsyncIterator[Client]:
    await create_tables(primary.url)
    base = sql_settings(primary.url, tmp_path)
    settings = Settings(
        **{
            **{f: getattr(base, f) for f in base.__struct_fields__},
            "database": DatabaseSettings(url=primary.url, read_url=replica.url, pool_size=4),
            "cache": CacheSettings(backend="none"),  # every read reaches a database
        }
    )
    container = build_container(settings)
    headers = await auth_headers(container, "staff")
    await container.platform.sql_database().dispose()
    async with AsyncTestClient(create_app(container)) as client:
        client.headers.update(headers)
        yield client


async def until(check: Any, seconds: float = 60) -> None:  # patience, not a measure
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def test_queries_read_the_replica_and_fall_back_to_the_primary(
    client: Client, replica: PrivatePostgresReplica
) -> None:
    first = (await client.post(PRODUCTS, json=product("first"))).json()["id"]

    async def replicated(product_id: str) -> bool:
        return (await client.get(f"{PRODUCTS}/{product_id}")).status_code == 200

    await until(lambda: replicated(first))
    ready = (await client.get("/health/ready")).json()
    assert ready["checks"]["replica"]["status"] == "up"
    assert "bytes of WAL" in ready["checks"]["replica"]["detail"]

    # With replay paused, the primary takes the write and the replica does not show it yet.
    await on_replica(replica, "SELECT pg_wal_replay_pause()")
    created = await client.post(PRODUCTS, json=product("second"))
    assert created.status_code == 201  # commands go to the primary
    second = created.json()["id"]
    assert (await client.get(f"{PRODUCTS}/{second}")).status_code == 404  # queries, the replica
    await on_replica(replica, "SELECT pg_wal_replay_resume()")
    await until(lambda: replicated(second))

    # The replica goes away: queries read the primary (a request caught on a dead pooled
    # connection may answer 503 once), and readiness says degraded, not down.
    replica.stop()
    statuses = [(await client.get(f"{PRODUCTS}/{second}")).status_code for _ in range(12)]
    assert statuses[2:] == [200] * 10, statuses
    assert set(statuses[:2]) <= {200, 503}
    ready = (await client.get("/health/ready")).json()
    assert ready["status"] == "degraded"
    assert ready["checks"]["replica"]["status"] == "degraded"
    assert ready["checks"]["database"]["status"] == "up"

    # Back again: within its retry interval, queries return to it.
    replica.start()
    await on_replica(replica, "SELECT pg_wal_replay_pause()")
    third = (await client.post(PRODUCTS, json=product("third"))).json()["id"]

    async def on_the_replica_again() -> bool:
        return (await client.get(f"{PRODUCTS}/{third}")).status_code == 404

    await until(on_the_replica_again)
    await on_replica(replica, "SELECT pg_wal_replay_resume()")
    await until(lambda: replicated(third))
