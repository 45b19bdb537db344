"""Placing an order on PostgreSQL, in process: its round trips, its CPU per order, a profile.

    uv run python -m bench.place_order [--orders 2000] [--concurrency 32] [--products 50]
                                      [--profile]

What `POST /api/v1/orders` runs below HTTP: PlaceOrderHandler, rerun on a conflict as the wiring
does (RetriedOnConflict), on SqlOrderingUnitOfWork with the SQL outbox, on uvloop. Against
PORTICO_BENCH_POSTGRES_URL's database (default portico_bench_place_order; its tables are dropped
and made again), --products products of one tenant with stock enough for every order:
- round trips of one warm one-line order, counted by bench/write_path.py's TCP proxy (a turn is
  the client writing after the server wrote), each shown by its first bytes;
- orders from --concurrency coroutines, each a one-line order of one unit, products round robin
  (as `make bench-orders` does): CPU time of this process per order (time.process_time; the
  server's is not counted) and orders per second, with the load average; the attempts per
  order (reruns on a conflict) and the orders still refused after the retries (HTTP's 409);
- with --profile, the same under cProfile, the top functions by their own and cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

import uvloop
from tests.support.databases import ensure_database

from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.ordering.sql import SqlOrderingUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.schema import metadata
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.order_events import ORDERING_EVENTS
from application.ordering.place_order import LineRequest, PlaceOrder, PlaceOrderHandler
from application.shared.retry import RetriedOnConflict
from bench.write_path import warm_round_trips
from domain.catalog.product import Product
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Money
from domain.shared.tenant import Tenant

POSTGRES = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_bench_place_order",
)

ids = Uuid7Generator()
EVENTS = IntegrationEvents(EventRegistry(CATALOG_EVENTS, ORDERING_EVENTS), ids)
TENANT = Tenant.single()
CUSTOMER = UUID("00000000-0000-7000-8000-000000000001")


class Counted:
    """PlaceOrderHandler counting its attempts (each rerun on a conflict is one more)."""

    def __init__(self, inner: PlaceOrderHandler) -> None:
        self.inner, self.attempts = inner, 0

    async def __call__(self, command: PlaceOrder) -> object:
        self.attempts += 1
        return await self.inner(command)


def _handler(database: SqlDatabase) -> tuple[RetriedOnConflict[PlaceOrder, object], Counted]:
    outbox = SqlOutbox(database, EVENTS)
    counted = Counted(
        PlaceOrderHandler(
            lambda: SqlOrderingUnitOfWork(database, outbox=outbox), SystemClock(), ids
        )
    )
    return RetriedOnConflict(counted), counted


def _order(product_id: UUID) -> PlaceOrder:
    return PlaceOrder(tenant=TENANT, customer_id=CUSTOMER, lines=(LineRequest(product_id, 1),))


async def _seed(url: str, count: int) -> list[UUID]:
    await ensure_database(url)
    database = SqlDatabase(url, pool_size=1)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
    made = []
    for n in range(count):
        product = Product.create(
            tenant=TENANT,
            id=ids.new_id(),
            sku=f"SKU-{n}",
            name=f"Product {n}",
            description="",
            price=Money.of("9.90", "EUR"),
            stock=10_000_000,
            now=datetime.now(UTC),
        )
        async with SqlCatalogUnitOfWork(database) as unit:
            await unit.products.add(product)
            await unit.commit()
        made.append(product.id)
    await database.dispose()
    return made


async def _round_trips(url: str, product_id: UUID) -> tuple[int, list[bytes]]:
    def placing(counted: SqlDatabase) -> Callable[[], Awaitable[object]]:
        place, _ = _handler(counted)
        return lambda: place(_order(product_id))

    return await warm_round_trips(url, placing)


async def _orders(
    url: str, products: list[UUID], count: int, concurrency: int, profile: cProfile.Profile | None
) -> tuple[float, float]:
    """CPU seconds per order and orders per second."""
    database = SqlDatabase(url, pool_size=concurrency)
    place, attempts = _handler(database)
    left = list(range(count))
    refused = 0

    async def worker() -> None:
        nonlocal refused
        while left:
            try:
                await place(_order(products[left.pop() % len(products)]))
            except ConcurrentUpdate:  # still conflicting after the retries: a 409
                refused += 1

    for n in range(concurrency * 2):  # warm: the pool's connections, prepared statements
        await place(_order(products[n % len(products)]))
    attempts.attempts = 0
    if profile is not None:
        profile.enable()
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profile is not None:
        profile.disable()
    await database.dispose()
    print(f"    attempts per order {attempts.attempts / count:.2f}, refused (409) {refused}")
    return cpu / count, count / wall


async def main(arguments: argparse.Namespace) -> None:
    products = await _seed(POSTGRES, arguments.products)
    count, first_bytes = await _round_trips(POSTGRES, products[0])
    print(f"round trips of one order: {count}")
    for first in first_bytes:
        print(f"    {first!r}")
    profile = cProfile.Profile() if arguments.profile else None
    cpu, rate = await _orders(POSTGRES, products, arguments.orders, arguments.concurrency, profile)
    load = os.getloadavg()
    print(
        f"{arguments.orders} orders from {arguments.concurrency} coroutines on "
        f"{arguments.products} products: {cpu * 1e6:.0f} µs CPU per order, {rate:.0f}/s; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    uvloop.run(main(parser.parse_args()))
