"""Messaging benchmarks: relay throughput into JetStream, and commit -> consumer latency.

    uv run python bench/messaging.py [--events 5000] [--latency-events 500] [--database URL]

Needs NATS JetStream (PORTICO_BENCH_NATS_URL, default nats://127.0.0.1:4222); it works in a
namespace of its own and deletes only that namespace's streams. The database defaults to a
SQLite file in a temporary directory; pass a PostgreSQL or MariaDB URL to measure those.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from sqlalchemy import delete  # noqa: E402
from tests.support.nats import delete_namespace  # noqa: E402

from adapters.audit.tables import audit_log  # noqa: E402
from adapters.catalog.tables import products  # noqa: E402
from adapters.persistence.sql.database import SqlDatabase  # noqa: E402
from adapters.persistence.sql.schema import metadata  # noqa: E402
from adapters.persistence.sql.tables import outbox, processed_events  # noqa: E402
from application.messaging.consumers import Consumer, ConsumerRunner  # noqa: E402
from application.shared.ports.messaging import IntegrationEvent  # noqa: E402
from domain.catalog.product import Product  # noqa: E402
from domain.shared.money import Money  # noqa: E402
from domain.shared.tenant import Tenant  # noqa: E402
from entrypoints.container import Container, build_container, close_container  # noqa: E402
from entrypoints.settings import (  # noqa: E402
    BusSettings,
    DatabaseSettings,
    LoggingSettings,
    OutboxSettings,
    Settings,
)

NATS_URL = os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222")


async def reset(url: str) -> None:
    database = SqlDatabase(url, pool_size=2)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        for table in (audit_log, processed_events, outbox, products):
            await connection.execute(delete(table))
    await database.dispose()


def container_for(url: str, namespace: str, batch: int) -> Container:
    return build_container(
        Settings(
            environment="test",
            logging=LoggingSettings(level="ERROR"),
            database=DatabaseSettings(url=url),
            bus=BusSettings(
                backend="nats", nats_url=NATS_URL, nats_namespace=namespace, stats_interval=0
            ),
            outbox=OutboxSettings(batch_size=batch, poll_interval=0.05),
        )
    )


def product(container: Container, n: int) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=container.platform.ids().new_id(),
        sku=f"BENCH-{n}",
        name=f"Bench {n}",
        description="",
        price=Money.of("1.00", "EUR"),
        stock=1,
        now=container.platform.clock().now(),
    )


async def relay_throughput(url: str, events: int, batch: int) -> float:
    namespace = "bench" + uuid.uuid4().hex[:10]
    await reset(url)
    container = container_for(url, namespace, batch)
    try:
        for start in range(0, events, 500):
            async with container.catalog.uow() as uow:
                for n in range(start, min(start + 500, events)):
                    await uow.products.add(product(container, n))
                await uow.commit()
        bus, relay = container.platform.bus(), container.platform.relay()
        await bus.start()
        began = time.perf_counter()
        published = 0
        while published < events:
            published += await relay.relay_once()
        elapsed = time.perf_counter() - began
        return events / elapsed
    finally:
        await close_container(container)
        await delete_namespace(NATS_URL, namespace)


class Stopwatch(Consumer):
    name = "stopwatch"
    contexts = ("catalog",)

    def __init__(self, committed: dict[str, float]) -> None:
        self.committed = committed
        self.latencies: list[float] = []

    async def __call__(self, event: IntegrationEvent) -> bool:
        sku = str(event.payload.get("sku"))
        self.latencies.append(time.perf_counter() - self.committed[sku])
        return True


async def latency(url: str, events: int, interval: float, *, woken: bool) -> list[float]:
    """One product per commit, every `interval` s. With `woken`, the relay shares the writers'
    container, so a commit wakes it at once; otherwise it is like a separate worker process and
    finds new rows by polling (every 50 ms here, PORTICO_OUTBOX_POLL_INTERVAL)."""
    namespace = "bench" + uuid.uuid4().hex[:10]
    await reset(url)
    container = container_for(url, namespace, 100)
    worker = container if woken else container_for(url, namespace, 100)
    committed: dict[str, float] = {}
    stopwatch = Stopwatch(committed)
    bus, relay = worker.bus(), worker.relay()
    await bus.start()
    runner = ConsumerRunner(bus, [stopwatch])
    await runner.start()
    stopping = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stopping))
    try:
        for n in range(events):
            item = product(container, n)
            async with container.catalog.uow() as uow:
                await uow.products.add(item)
                await uow.commit()
            committed[item.sku] = time.perf_counter()
            await asyncio.sleep(interval)
        async with asyncio.timeout(60):
            while len(stopwatch.latencies) < events:
                await asyncio.sleep(0.01)
        return stopwatch.latencies
    finally:
        stopping.set()
        await relaying
        await runner.stop()
        await close_container(container)
        if worker is not container:
            await close_container(worker)
        await delete_namespace(NATS_URL, namespace)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--latency-events", type=int, default=500)
    parser.add_argument("--interval", type=float, default=0.005)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite+aiosqlite:///{tmp}/bench.db"
        backend = url.split(":", 1)[0]
        rate = await relay_throughput(url, args.events, args.batch)
        print(
            f"relay throughput ({backend}, batch {args.batch}): {rate:,.0f} events/s into JetStream"
        )
        for woken, how in ((True, "relay woken by the commit"), (False, "relay polling 50 ms")):
            values = await latency(url, args.latency_events, args.interval, woken=woken)
            print(
                f"commit -> consumer latency ({backend}, {how}, {len(values)} events, one commit "
                f"every {args.interval * 1000:.0f} ms): p50 {percentile(values, 50) * 1000:.1f} ms,"
                f" p99 {percentile(values, 99) * 1000:.1f} ms"
            )


if __name__ == "__main__":
    asyncio.run(main())
