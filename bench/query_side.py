"""The catalog's uncached query side in process: CPU time per read, no HTTP, no cache.

32 coroutines on uvloop call each variant's handler (`GetProductHandler`, or
`ListProductsHandler` for pages of 20) for random ids of one tenant, in rounds that alternate
the variants in one process, so that the machine's load disturbs them alike; CPU time of this
process per read (the server's is not counted) and reads a second, medians over the rounds:

- `core`: SqlProductReader, SQLAlchemy Core on the autocommit engine (SQLite's and MariaDB's);
- `driver`: PostgresProductReader, asyncpg's own calls on a connection of the same pool;
- `floor`: asyncpg's `fetchrow`/`fetch` on its own pool of the same size (bench/floor.py's way).

    python -m bench.query_side [--url postgresql://...] [--rounds 5] [--per-round 1920]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import uvloop
from sqlalchemy import insert
from tests.support.databases import recreate_database

from adapters.catalog.postgres import PostgresProductReader
from adapters.catalog.sql import SqlProductReader
from adapters.catalog.tables import products
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.schema import metadata
from application.catalog.get_product import GetProduct, GetProductHandler
from application.catalog.list_products import ListProducts, ListProductsHandler
from domain.shared.tenant import Tenant

URL = "postgresql://postgres@127.0.0.1:5432/portico_bench_query_side"
CONCURRENCY = 32
POOL = 10
_COLUMNS = (
    "id, sku, name, description, price_amount, price_currency, stock, version, created_at, "
    "updated_at"
)

Read = Callable[[UUID], Awaitable[Any]]


class OnAsyncConnection(PostgresProductReader):
    """The first cut: the driver's calls on the connection of SQLAlchemy's AsyncConnection."""

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        async with self._database.reading() as checked_out:
            raw = await checked_out.get_raw_connection()
            yield raw.driver_connection


async def seed(database: SqlDatabase, count: int) -> list[UUID]:
    tenant = Tenant.single().organisation_id
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": uuid4(),
            "organisation_id": tenant,
            "sku": f"SKU-{n}",
            "name": f"Product {n}",
            "description": "Loose leaf",
            "price_amount": Decimal("12.50"),
            "price_currency": "EUR",
            "stock": 10,
            "version": 1,
            "created_at": start + timedelta(seconds=n),
            "updated_at": start + timedelta(seconds=n),
        }
        for n in range(count)
    ]
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(products), rows)
    return [row["id"] for row in rows]


async def measure(read: Read, ids: list[UUID], requests: int) -> tuple[float, float]:
    """CPU µs per read and reads a second for `requests` reads by CONCURRENCY coroutines."""
    per_task = requests // CONCURRENCY

    async def worker() -> None:
        for _ in range(per_task):
            await read(random.choice(ids))

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = per_task * CONCURRENCY
    return cpu / done * 1e6, done / wall


async def main(url: str, rounds: int, per_round: int, count: int) -> None:
    await recreate_database(url)
    database = SqlDatabase(url, pool_size=POOL)
    ids = await seed(database, count)
    await database.dispose()
    tenant = Tenant.single()

    core_db, driver_db = SqlDatabase(url, pool_size=POOL), SqlDatabase(url, pool_size=POOL)
    arguments = database.engine.url.set(drivername="postgresql").render_as_string(False)
    pool = await asyncpg.create_pool(arguments, min_size=POOL, max_size=POOL)
    by_id = f"SELECT {_COLUMNS} FROM products WHERE organisation_id = $1 AND id = $2"
    page = (
        f"SELECT {_COLUMNS} FROM products WHERE organisation_id = $1 "
        "ORDER BY created_at, id LIMIT $2"
    )
    get = {
        "core": GetProductHandler(SqlProductReader(core_db)),
        "driver": GetProductHandler(PostgresProductReader(driver_db)),
        "on-conn": GetProductHandler(OnAsyncConnection(driver_db)),
    }
    lists = {
        "core": ListProductsHandler(SqlProductReader(core_db)),
        "driver": ListProductsHandler(PostgresProductReader(driver_db)),
        "on-conn": ListProductsHandler(OnAsyncConnection(driver_db)),
    }

    async def floor_get(product_id: UUID) -> Any:
        async with pool.acquire() as connection:
            return await connection.fetchrow(by_id, tenant.organisation_id, product_id)

    async def floor_list(_: UUID) -> Any:
        async with pool.acquire() as connection:
            return await connection.fetch(page, tenant.organisation_id, 21)

    variants: dict[str, Read] = {
        **{f"GetProduct {name}": _get(handler, tenant) for name, handler in get.items()},
        "GetProduct floor": floor_get,
        **{f"ListProducts(20) {name}": _list(handler, tenant) for name, handler in lists.items()},
        "ListProducts(20) floor": floor_list,
    }
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for read in variants.values():  # warm: connections opened, statements prepared
        await measure(read, ids, CONCURRENCY * 4)
    for _ in range(rounds):
        for name, read in variants.items():
            figures[name].append(await measure(read, ids, per_round))
    await pool.close()
    await core_db.dispose()
    await driver_db.dispose()

    print(f"{'variant':<26} {'CPU µs/read':>12} {'reads/s':>9}   (medians of {rounds} rounds)")
    for name, values in figures.items():
        cpu = statistics.median(v[0] for v in values)
        rate = statistics.median(v[1] for v in values)
        print(f"{name:<26} {cpu:>12.0f} {rate:>9.0f}")


def _get(handler: GetProductHandler, tenant: Tenant) -> Read:
    return lambda product_id: handler(GetProduct(tenant=tenant, product_id=product_id))


def _list(handler: ListProductsHandler, tenant: Tenant) -> Read:
    return lambda _: handler(ListProducts(tenant=tenant, limit=20))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=1920)
    parser.add_argument("--products", type=int, default=2000)
    options = parser.parse_args()
    uvloop.run(main(options.url, options.rounds, options.per_round, options.products))
