"""A product write on PostgreSQL, in process: its round trips, and its CPU per create.

    uv run python -m bench.write_path [--creates 1000] [--concurrency 16]

What `POST /api/v1/products` runs below HTTP: a unit of work that adds a product and commits it
with its outbox row. Against PORTICO_BENCH_POSTGRES_URL's database (default portico_bench; its
tables are dropped and made again):
- round trips of one warm create, counted by a TCP proxy in front of PostgreSQL (a turn is the
  client writing after the server wrote), each shown by its first bytes (Q: simple query, B: an
  execution of a prepared statement);
- creates from --concurrency coroutines: CPU time of this process per create (time.process_time)
  and creates per second, with the load average (the machine is shared: read the CPU figure).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import uvloop
from sqlalchemy.engine import make_url

from adapters.catalog.sql import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.schema import metadata
from adapters.system.ids import Uuid7Generator
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant

POSTGRES = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_bench"
)

ids = Uuid7Generator()
EVENTS = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)


class Turns:
    """A TCP proxy that counts the client's turns to speak: one per round trip."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.count = 0
        self.first_bytes: list[bytes] = []
        self._last = ""

    def reset(self) -> None:
        self.count, self.first_bytes, self._last = 0, [], ""

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, side: str
    ) -> None:
        while data := await reader.read(65536):
            if side == "client" and self._last != "client":
                self.count += 1
                self.first_bytes.append(data[:1] + data[5:40])
            self._last = side
            writer.write(data)
            await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pipe(reader, server_writer, "client"), self._pipe(server_reader, writer, "server")
        )


async def warm_round_trips(
    url: str, make: Callable[[SqlDatabase], Callable[[], Awaitable[object]]]
) -> tuple[int, list[bytes]]:
    """The round trips of one warm `make(database)()` and each one's first bytes: the database
    reached through a `Turns` proxy, the act run six times (the last warm: the connection open,
    the statements prepared) and the last one counted."""
    parsed = make_url(url)
    turns = Turns(parsed.host or "127.0.0.1", parsed.port or 5432)
    proxy = await asyncio.start_server(turns._serve, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    through = parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    counted = SqlDatabase(through, pool_size=1)
    act = make(counted)
    for _ in range(6):
        turns.reset()
        await act()
    count, first_bytes = turns.count, list(turns.first_bytes)  # before the pool says goodbye
    await counted.dispose()
    proxy.close()
    return count, first_bytes


def _product(n: int) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=ids.new_id(),
        sku=f"SKU-{n}",
        name=f"Product {n}",
        description="",
        price=Money.of("9.90", "EUR"),
        stock=1,
        now=datetime.now(UTC),
    )


async def _creates(url: str, first: int, count: int, concurrency: int) -> tuple[float, float]:
    """CPU seconds per create and creates per second."""
    database = SqlDatabase(url, pool_size=concurrency)
    outbox = SqlOutbox(database, EVENTS)
    left = list(range(first, first + count))

    async def create(n: int) -> None:
        async with SqlCatalogUnitOfWork(database, outbox=outbox) as unit:
            await unit.products.add(_product(n))
            await unit.commit()

    async def worker() -> None:
        while left:
            await create(left.pop())

    for n in range(first - 50, first):  # warm: the pool's connections, prepared statements
        await create(n)
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await database.dispose()
    return cpu / count, count / wall


async def main(creates: int, concurrency: int) -> None:
    database = SqlDatabase(POSTGRES, pool_size=1)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
    await database.dispose()

    created = iter(range(6))

    def creating(counted: SqlDatabase) -> Callable[[], Awaitable[None]]:
        outbox = SqlOutbox(counted, EVENTS)

        async def create() -> None:
            async with SqlCatalogUnitOfWork(counted, outbox=outbox) as unit:
                await unit.products.add(_product(next(created)))
                await unit.commit()

        return create

    count, first_bytes = await warm_round_trips(POSTGRES, creating)
    print(f"round trips of one product create: {count}")
    for first in first_bytes:
        print(f"    {first!r}")

    cpu, rate = await _creates(POSTGRES, 1000, creates, concurrency)
    load = os.getloadavg()
    print(
        f"{creates} creates from {concurrency} coroutines: {cpu * 1e6:.0f} µs CPU per create, "
        f"{rate:.0f}/s; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    uvloop.run(main(arguments.creates, arguments.concurrency))
