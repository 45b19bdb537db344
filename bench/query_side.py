"""The catalog's uncached query side in process: CPU time per read, no HTTP, no cache.

32 coroutines on uvloop call each variant's handler (`GetProductHandler`, or
`ListProductsHandler` for pages of 20) for random ids of one tenant, in rounds that alternate
the variants in one process, so that the machine's load disturbs them alike; CPU time of this
process per read (the server's is not counted) and reads a second, medians over the rounds:

- `core`: SqlProductReader, SQLAlchemy Core on the autocommit engine (SQLite's and MariaDB's);
- `driver`: PostgresProductReader, asyncpg's own calls on a connection of the same pool;
- `floor`: asyncpg's `fetchrow`/`fetch` on its own pool of the same size (bench/floor.py's way).

With `--app`, the whole request instead: the ASGI app called directly (no HTTP server) for
`GET /api/v1/products/{id}` and `GET /api/v1/products?limit=20`, Portico with no cache and its
reader on Core or on the driver (two containers, each its own pool of 10), Portico with the
memory cache (`memory`: warm after the first round, so nearly every read a hit), beside
bench/floor.py's app on its own asyncpg pool; `--targets` picks some of them.

With `--orders`, an authenticated read the same way: `GET /api/v1/orders/{id}` by the customer
who placed it (one user, one order placed through the app, a signed access token; its token
checked, its revocation looked up, its tenant resolved, the order read), its read model on the
driver (PostgresOrderDetailsStore, as served) and on Core (SqlOrderDetailsStore, a second
container), beside the floor's `GET /api/v1/products/{id}` (the floor has no authenticated read).

    python -m bench.query_side [--url postgresql://...] [--rounds 5] [--per-round 1920]
        [--app [--targets core,driver,memory,floor] | --orders]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, redirect_stdout
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO
from uuid import UUID, uuid4

import asyncpg
import msgspec
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
    async def _connection(self, tenant: Tenant) -> AsyncIterator[Any]:  # type: ignore[override]
        async with self._database.reading(tenant) as checked_out:
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


async def main(
    url: str,
    rounds: int,
    per_round: int,
    count: int,
    app: bool,
    orders: bool = False,
    only: list[str] | None = None,
) -> None:
    await recreate_database(url)
    database = SqlDatabase(url, pool_size=POOL)
    ids = await seed(database, count)
    await database.dispose()
    if orders:
        await order_reads(url, rounds, per_round, ids)
        return
    if app:
        await apps(url, rounds, per_round, ids, only)
        return
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
    figures = await _rounds(variants, ids, rounds, per_round)
    await pool.close()
    await core_db.dispose()
    await driver_db.dispose()
    _print(figures, rounds)


def _settings(url: str, cache: str = "none") -> Any:
    from entrypoints.settings import CacheSettings, DatabaseSettings, LoggingSettings, Settings

    return Settings(
        environment="test",
        persistence="sql",
        database=DatabaseSettings(url=url, pool_size=POOL),
        cache=CacheSettings(backend=cache),
        logging=LoggingSettings(format="json", level="WARNING"),  # the access line stays on
    )


async def order_reads(url: str, rounds: int, per_round: int, ids: list[UUID]) -> None:
    import json

    from dependency_injector import providers
    from tests.support.auth import bearer, create_user

    from adapters.ordering.postgres import PostgresOrderDetailsStore
    from adapters.ordering.sql_projections import SqlOrderDetailsStore
    from bench import floor
    from entrypoints.container import build_container
    from entrypoints.http.app import create_app

    # Two containers on the same database, each its own pool: the order's read on the driver
    # (as PostgreSQL is served) and on Core (SqlOrderDetailsStore, as before).
    container, core = build_container(_settings(url)), build_container(_settings(url))
    core.ordering.details.override(
        providers.Singleton(SqlOrderDetailsStore, database=core.platform.sql_database)
    )
    assert type(container.ordering.details()) is PostgresOrderDetailsStore
    app, core_app = create_app(container), create_app(core)
    os.environ["FLOOR_DATABASE_URL"] = url
    async with _lifespan(app), _lifespan(core_app), _lifespan(floor.app):
        user = await create_user(container, "customer")
        header = bearer(container, user, "customer")["Authorization"].encode()
        authorized = [(b"authorization", header)]
        line = {"product_id": str(ids[0]), "quantity": 1}
        placed = await _call(app, "POST", "/api/v1/orders", authorized, {"lines": [line]})
        assert placed[0] == 201, placed
        order = json.loads(placed[1])["order_id"]
        path = f"/api/v1/orders/{order}"
        # The order's read model is a projection: wait until it has the order.
        while (await _call(app, "GET", path, authorized))[0] != 200:
            await asyncio.sleep(0.05)
        variants: dict[str, Read] = {
            "GET /orders/{id} (own, bearer) driver": _asgi(app, lambda _: path, authorized),
            "GET /orders/{id} (own, bearer) core": _asgi(core_app, lambda _: path, authorized),
            "GET /products/{id} floor": _asgi(floor.app, lambda i: f"/api/v1/products/{i}"),
        }
        with _devnull() as devnull, redirect_stdout(devnull):
            figures = await _rounds(variants, ids, rounds, per_round)
    _print(figures, rounds)


async def apps(
    url: str, rounds: int, per_round: int, ids: list[UUID], only: list[str] | None = None
) -> None:

    from dependency_injector import providers

    from bench import floor
    from entrypoints.container import build_container
    from entrypoints.http.app import create_app

    settings = _settings(url)
    driver, core = build_container(settings), build_container(settings)
    memory = build_container(_settings(url, "memory"))
    core.catalog.reader.override(
        providers.Singleton(SqlProductReader, database=core.platform.sql_database)
    )
    assert type(driver.catalog.reader()) is PostgresProductReader
    os.environ["FLOOR_DATABASE_URL"] = url
    targets = {
        "core": create_app(core),
        "driver": create_app(driver),
        "memory": create_app(memory),
        "floor": floor.app,
    }
    targets = {name: app for name, app in targets.items() if only is None or name in only}
    variants: dict[str, Read] = {}
    for name, app in targets.items():
        variants[f"GET /products/{{id}} {name}"] = _asgi(app, lambda i: f"/api/v1/products/{i}")
    for name, app in targets.items():
        variants[f"GET /products?limit=20 {name}"] = _asgi(app, lambda _: "/api/v1/products")
    async with AsyncExitStack() as started:
        for app in targets.values():
            await started.enter_async_context(_lifespan(app))
        # The access lines go to stdout: away from the figures.
        with _devnull() as devnull, redirect_stdout(devnull):
            figures = await _rounds(variants, ids, rounds, per_round)
    _print(figures, rounds)


def _devnull() -> TextIO:
    return open(os.devnull, "w")  # closed by its caller's with


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    """The app's startup and shutdown, on this loop (a test client would run it on another)."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


def _asgi(
    app: Any, path_of: Callable[[UUID], str], headers: list[tuple[bytes, bytes]] | None = None
) -> Read:
    async def read(product_id: UUID) -> None:
        path = path_of(product_id)
        status, _ = await _call(app, "GET", path, headers or [])
        assert status == 200, (path, status, _)

    return read


async def _call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: Any = None
) -> tuple[int, bytes]:
    """One request through the ASGI app: its status and body."""
    content = b"" if body is None else msgspec.json.encode(body)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        # The list's page size on a GET only: wrk's W3 POSTs without a query string.
        "query_string": b"limit=20" if method == "GET" and path.endswith("products") else b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            *headers,
            *([(b"content-type", b"application/json")] if content else []),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    status: list[int] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status[0], b"".join(chunks)


async def _rounds(
    variants: dict[str, Read], ids: list[UUID], rounds: int, per_round: int
) -> dict[str, list[tuple[float, float]]]:
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for read in variants.values():  # warm: connections opened, statements prepared
        await measure(read, ids, CONCURRENCY * 4)
    for _ in range(rounds):
        for name, read in variants.items():
            figures[name].append(await measure(read, ids, per_round))
    return figures


def _print(figures: dict[str, list[tuple[float, float]]], rounds: int) -> None:
    print(f"{'variant':<40} {'CPU µs/read':>12} {'reads/s':>9}   (medians of {rounds} rounds)")
    for name, values in figures.items():
        cpu = statistics.median(v[0] for v in values)
        rate = statistics.median(v[1] for v in values)
        print(f"{name:<40} {cpu:>12.0f} {rate:>9.0f}")


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
    parser.add_argument("--app", action="store_true", help="the whole request, through ASGI")
    parser.add_argument("--orders", action="store_true", help="GET /orders/{id}, signed in")
    parser.add_argument("--targets", help="with --app: some of core,driver,memory,floor")
    options = parser.parse_args()
    uvloop.run(
        main(
            options.url,
            options.rounds,
            options.per_round,
            options.products,
            options.app,
            options.orders,
            options.targets.split(",") if options.targets else None,
        )
    )
