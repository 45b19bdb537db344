"""The catalog's unit of work on PostgreSQL and on Redis, in one process: reads and writes.

    uv run python bench/stores.py [--seconds 10] [--concurrency 16] [--products 1000]

For each store, from a fresh database (PostgreSQL: portico_store_bench, dropped and re-created)
or a fresh key prefix (Redis: deleted at the end), with `--products` products:
- reads: `get` of a random product in a read-only unit of work (what GET /products/{id} runs on
  a cache miss);
- writes: load, adjust the stock, commit with its outbox event (what POST .../stock runs);
each for `--seconds` from `--concurrency` coroutines, then ops/s, p50 and p99 of one operation.
No HTTP, no cache: the stores' own cost, with the same code above them. Figures depend on the
machine; compare runs from one machine (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.cache.redis_client import connect_redis
from adapters.catalog.redis import RedisCatalogUnitOfWork
from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.persistence.redis.documents import RedisDocuments
from adapters.persistence.redis.outbox import RedisOutbox
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.schema import metadata
from adapters.system.ids import Uuid7Generator
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from domain.catalog.product import Product
from domain.catalog.repository import CatalogUnitOfWork
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant

POSTGRES = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_store_bench"
)
REDIS = os.environ.get("PORTICO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ids = Uuid7Generator()
EVENTS = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)


async def fresh_postgres(
    pool: int,
) -> tuple[CatalogUnitOfWorkFactory, Callable[[], Awaitable[None]]]:
    target = make_url(POSTGRES)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()
    database = SqlDatabase(POSTGRES, pool_size=pool)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    outbox = SqlOutbox(database, EVENTS)

    def uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return SqlCatalogUnitOfWork(database, read_only=read_only, outbox=outbox)

    return uow, database.dispose


async def fresh_redis(pool: int) -> tuple[CatalogUnitOfWorkFactory, Callable[[], Awaitable[None]]]:
    documents = RedisDocuments(
        connect_redis(REDIS, pool_size=pool, timeout=5.0), prefix=f"bench-{uuid.uuid4().hex[:8]}"
    )
    outbox = RedisOutbox(documents, EVENTS)

    def uow(*, read_only: bool = False) -> CatalogUnitOfWork:
        return RedisCatalogUnitOfWork(documents, read_only=read_only, outbox=outbox)

    async def close() -> None:
        await _delete_prefix(documents.client, documents.prefix)
        await documents.close()

    return uow, close


async def _delete_prefix(client: Redis, prefix: str) -> None:
    async for name in client.scan_iter(match=f"{prefix}:*", count=500):
        await client.delete(name)


async def seed(uow: CatalogUnitOfWorkFactory, count: int) -> list[uuid.UUID]:
    made = []
    for start in range(0, count, 100):
        async with uow() as unit:
            for n in range(start, min(count, start + 100)):
                product = Product.create(
                    tenant=Tenant.single(),
                    id=ids.new_id(),
                    sku=f"SKU-{n}",
                    name=f"Product {n}",
                    description="",
                    price=Money.of("9.90", "EUR"),
                    stock=1_000_000,
                    now=datetime.now(UTC),
                )
                await unit.products.add(product)
                made.append(product.id)
            await unit.commit()
    return made


async def run(
    operation: Callable[[], Awaitable[None]], seconds: float, concurrency: int
) -> tuple[float, float, float, int]:
    timings: list[float] = []
    conflicts = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal conflicts
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                await operation()
            except ConcurrentUpdate:
                conflicts += 1
                continue
            timings.append(time.perf_counter() - started)

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - began
    quantiles = statistics.quantiles(timings, n=100)
    return len(timings) / elapsed, quantiles[49] * 1000, quantiles[98] * 1000, conflicts


async def measure(name: str, args: argparse.Namespace) -> list[str]:
    fresh = fresh_postgres if name == "postgresql" else fresh_redis
    uow, close = await fresh(args.concurrency)
    rows = []
    try:
        products = await seed(uow, args.products)

        async def read() -> None:
            async with uow(read_only=True) as unit:
                await unit.products.get(Tenant.single(), random.choice(products))

        async def write() -> None:
            async with uow() as unit:
                product = await unit.products.get(Tenant.single(), random.choice(products))
                assert product is not None
                product.adjust_stock(delta=-1, reason="bench", now=datetime.now(UTC))
                await unit.products.update(product)
                await unit.commit()

        for label, operation in (("read", read), ("write", write)):
            rate, p50, p99, conflicts = await run(operation, args.seconds, args.concurrency)
            rows.append(
                f"| {name} | {label} | {rate:.0f} | {p50:.2f} ms | {p99:.2f} ms | {conflicts} |"
            )
    finally:
        await close()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--stores", default="postgresql,redis")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{platform.node()}: {os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f}")
    print(f"{args.products} products, {args.concurrency} coroutines, {args.seconds:.0f} s each")
    print("| store | operation | ops/s | p50 | p99 | conflicts |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in args.stores.split(","):
        for row in await measure(name, args):
            print(row, flush=True)
    load = os.getloadavg()
    print(f"load after: {load[0]:.1f} {load[1]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
