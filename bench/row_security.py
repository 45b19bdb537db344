"""What PostgreSQL row-level security costs a catalog read, in process (docs/tenancy.md).

    uv run python bench/row_security.py [--rounds 5] [--requests 1920] [--concurrency 32]

On a fresh database (portico_rls_bench, dropped and re-created) with the tenant tables guarded
as migration 0017 guards them, owned by a role that is no superuser (so the policy binds it)
and that every connection acts as, `--products` products in 4 tenants: `GetProduct` by a random
id and `ListProducts(limit=20)` of a random tenant, handlers called directly (no HTTP, no
cache) by `--concurrency` coroutines on uvloop, with PORTICO_POSTGRES_ROW_SECURITY off and on
(two SqlDatabases of the same pool size), alternating in `--rounds` rounds; medians of CPU per
request (time.process_time) and requests per second. Figures depend on the machine and its
load: compare the two columns of one run (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import uvloop
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.catalog.sql import SqlCatalogUnitOfWork, SqlProductReader
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.row_security import TENANT_TABLES, guard_statements
from adapters.persistence.sql.schema import metadata
from application.catalog.get_product import GetProduct, GetProductHandler
from application.catalog.list_products import ListProducts, ListProductsHandler
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant

URL = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_rls_bench"
)
OWNER = "portico_rls_bench_owner"
TENANTS = [Tenant(uuid.uuid4()) for _ in range(4)]


def as_owner(database: SqlDatabase) -> SqlDatabase:
    def become_owner(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET ROLE {OWNER}")
        cursor.close()

    event.listen(database.engine.sync_engine, "connect", become_owner)
    return database


async def recreate_database() -> None:
    target = make_url(URL)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            name = target.database
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()


async def prepare(count: int) -> list[Product]:
    await recreate_database()
    admin = SqlDatabase(URL, pool_size=1)
    async with admin.engine.begin() as connection:
        await connection.exec_driver_sql(
            f"DO $$ BEGIN CREATE ROLE {OWNER} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        await connection.exec_driver_sql(f"GRANT ALL ON SCHEMA public TO {OWNER}")
        await connection.exec_driver_sql(f"SET LOCAL ROLE {OWNER}")
        await connection.run_sync(metadata.create_all)
        for table in TENANT_TABLES:
            for statement in guard_statements(table):
                await connection.exec_driver_sql(statement)
    await admin.dispose()
    writer = as_owner(SqlDatabase(URL, pool_size=1, row_security=False))
    now = datetime(2026, 12, 4, tzinfo=UTC)
    made = [
        Product.create(
            tenant=TENANTS[n % len(TENANTS)],
            id=uuid.uuid4(),
            sku=f"SKU-{n}",
            name=f"Product {n}",
            description="",
            price=Money.of("3.00", "EUR"),
            stock=100,
            now=now + timedelta(milliseconds=n),
        )
        for n in range(count)
    ]
    async with SqlCatalogUnitOfWork(writer) as uow:
        for product in made:
            await uow.products.add(product)
        await uow.commit()
    async with writer.connect() as connection:
        await connection.exec_driver_sql("ANALYZE products")
    await writer.dispose()
    return made


async def measure(
    call: Callable[[], Awaitable[Any]], requests: int, concurrency: int
) -> tuple[float, float]:
    """CPU µs per request and requests per second, `requests` calls from `concurrency` tasks."""
    each = requests // concurrency

    async def worker() -> None:
        for _ in range(each):
            await call()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = each * concurrency
    return cpu / done * 1e6, done / wall


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1920)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    made = await prepare(args.products)
    rng = random.Random(1)
    modes = {
        guarded: as_owner(SqlDatabase(URL, pool_size=args.pool, row_security=guarded))
        for guarded in (False, True)
    }
    cases: dict[str, Callable[[SqlDatabase], Callable[[], Awaitable[Any]]]] = {
        "GetProduct": lambda db: _by_id(GetProductHandler(SqlProductReader(db)), made, rng),
        "ListProducts(limit=20)": lambda db: _page(ListProductsHandler(SqlProductReader(db)), rng),
    }
    results: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    for name, make in cases.items():
        calls = {guarded: make(db) for guarded, db in modes.items()}
        for guarded in modes:  # warm up: connections, statement caches
            await measure(calls[guarded], args.concurrency * 4, args.concurrency)
        for _ in range(args.rounds):
            for guarded in modes:
                results.setdefault((name, guarded), []).append(
                    await measure(calls[guarded], args.requests, args.concurrency)
                )
    for db in modes.values():
        await db.dispose()
    print(f"load average {os.getloadavg()}")
    print("| uncached query | CPU per request, off → on | requests/s, off → on |")
    print("| --- | ---: | ---: |")
    for name in cases:
        off, on = results[name, False], results[name, True]
        cpu = [statistics.median(r[0] for r in rows) for rows in (off, on)]
        rate = [statistics.median(r[1] for r in rows) for rows in (off, on)]
        print(f"| `{name}` | {cpu[0]:.0f} → {cpu[1]:.0f} µs | {rate[0]:.0f} → {rate[1]:.0f} |")


def _by_id(
    handler: GetProductHandler, made: list[Product], rng: random.Random
) -> Callable[[], Awaitable[Any]]:
    async def call() -> None:
        product = rng.choice(made)
        await handler(GetProduct(product.tenant, product.id))

    return call


def _page(handler: ListProductsHandler, rng: random.Random) -> Callable[[], Awaitable[Any]]:
    async def call() -> None:
        page = await handler(ListProducts(tenant=rng.choice(TENANTS), limit=20))
        assert len(page.items) == 20

    return call


if __name__ == "__main__":
    uvloop.run(main())
