"""A product read by id and a product create on MariaDB, in process: their statements (round
trips), and the CPU per read and per create.

    uv run python -m bench.mariadb_path [--operations 2000] [--concurrency 16]

What `GET /api/v1/products/{id}` runs on a cache miss (SqlProductReader.product: an autocommit
read) and what `POST /api/v1/products` runs below HTTP (a unit of work that adds a product and
commits it with its outbox row). Against PORTICO_BENCH_MARIADB_URL's database (default
portico_bench on the local server; its tables are dropped and made again):
- each round trip of one warm read and of one warm create, counted by a TCP proxy in front of
  MariaDB, shown by its MySQL command (a query's first 40 characters, or the command's number);
- reads, then creates, from --concurrency coroutines: CPU time of this process per operation
  (time.process_time) and operations per second, with the load average (the machine is shared:
  read the CPU figure); with --server PID, the MariaDB server's CPU per operation too (its
  process's user and system time from /proc, so any other client of that server counts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import uvloop
from sqlalchemy.engine import make_url

from adapters.catalog.sql import SqlCatalogUnitOfWork, SqlProductReader
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.outbox import SqlOutbox
from adapters.persistence.sql.schema import metadata
from adapters.system.ids import Uuid7Generator
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant

MARIADB = os.environ.get(
    "PORTICO_BENCH_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/portico_bench"
)
ids = Uuid7Generator()
EVENTS = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)


class Turns:
    """A TCP proxy that counts the client's turns to speak (one per round trip), each shown by
    its first packet's command: a COM_QUERY's text, or the command's number. Its own, not
    bench/write_path.py's (PostgreSQL's, which goes with that adapter)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.commands: list[str] = []
        self._last = ""

    def reset(self) -> None:
        self.commands, self._last = [], ""

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, side: str
    ) -> None:
        while data := await reader.read(65536):
            if side == "client" and self._last != "client":
                # A packet: 3 bytes of length, 1 of sequence, then the command (0x03: a query).
                command = data[4]
                text = data[5:45].decode(errors="replace") if command == 0x03 else ""
                self.commands.append(text or f"command 0x{command:02x}")
            self._last = side
            writer.write(data)
            await writer.drain()
        writer.close()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pipe(reader, server_writer, "client"), self._pipe(server_reader, writer, "server")
        )


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


async def _round_trips(make: Callable[[SqlDatabase], Callable[[], Awaitable[object]]]) -> None:
    parsed = make_url(MARIADB)
    turns = Turns(parsed.host or "127.0.0.1", parsed.port or 3306)
    proxy = await asyncio.start_server(turns.serve, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    through = parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    counted = SqlDatabase(through, pool_size=1)
    act = make(counted)
    for _ in range(6):  # the last one warm: the connection open
        turns.reset()
        await act()
    commands = list(turns.commands)  # before the pool says goodbye
    await counted.dispose()
    proxy.close()
    print(f"  {len(commands)} round trips")
    for command in commands:
        print(f"    {command}")


def _server_cpu(pid: int | None) -> float:
    """Seconds of CPU `pid` has used (user and system), 0 without one."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(operations: int, concurrency: int, server: int | None) -> None:
    database = SqlDatabase(MARIADB, pool_size=1)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
    await database.dispose()

    made = iter(range(10**9))
    tenant = Tenant.single()
    kept = _product(-1)
    database = SqlDatabase(MARIADB, pool_size=1)
    async with SqlCatalogUnitOfWork(database, outbox=SqlOutbox(database, EVENTS)) as unit:
        await unit.products.add(kept)
        await unit.commit()
    await database.dispose()

    def reading(counted: SqlDatabase) -> Callable[[], Awaitable[object]]:
        reader = SqlProductReader(counted)
        return lambda: reader.product(tenant, kept.id)

    def creating(counted: SqlDatabase) -> Callable[[], Awaitable[None]]:
        outbox = SqlOutbox(counted, EVENTS)

        async def create() -> None:
            async with SqlCatalogUnitOfWork(counted, outbox=outbox) as unit:
                await unit.products.add(_product(next(made)))
                await unit.commit()

        return create

    print("a read by id (SqlProductReader.product):")
    await _round_trips(reading)
    print("a product create (SqlCatalogUnitOfWork):")
    await _round_trips(creating)

    for name, make in (("read", reading), ("create", creating)):
        database = SqlDatabase(MARIADB, pool_size=concurrency)
        act = make(database)
        left = operations

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await act()  # noqa: B023 (awaited before the loop moves on)

        for _ in range(2 * concurrency):  # warm: the pool's connections
            await act()
        await asyncio.gather(*(act() for _ in range(concurrency)))
        wall, cpu, served = time.perf_counter(), time.process_time(), _server_cpu(server)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        served = _server_cpu(server) - served
        await database.dispose()
        load = os.getloadavg()
        print(
            f"{operations} {name}s from {concurrency} coroutines: {cpu / operations * 1e6:.0f} µs "
            f"CPU per {name}, {operations / wall:.0f}/s; load average {load[0]:.1f}"
            + (f"; server {served / operations * 1e6:.0f} µs CPU per {name}" if server else "")
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--server", type=int, help="the MariaDB server's process id")
    arguments = parser.parse_args()
    uvloop.run(main(arguments.operations, arguments.concurrency, arguments.server))
