"""The cache listener's CPU per event in an API process: one delivery at a time, or each fetch at
once (`listen_batches`, ForgetChangedProducts as a BatchConsumer).

    uv run python -m bench.cache_listener [--events 5000] [--rate 800] [--rounds 3]

With PORTICO_BUS=nats and the memory cache every `portico serve` process listens to the
catalog's events, and every order sends a StockAdjusted: this is the per-order work each API
process does for the cache. This process runs a ConsumerRunner with the listener on the shared
nats-server (PORTICO_BENCH_NATS_URL, a namespace of its own, deleted at the end) and a memory
cache (which keeps entries, so forgetting is never skipped); a child process publishes `--events`
StockAdjusted-shaped events at about `--rate` a second, a few per millisecond as live orders
do. The figure is this process's CPU (getrusage, the child excluded) from the first event to the
last one applied, divided by the events. The two ways alternate, `--rounds` times each.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.cache.memory import MemoryCache
from adapters.messaging.nats import NatsMessageBus
from adapters.system.ids import Uuid7Generator
from application.catalog.invalidate_cache import ForgetChangedProducts
from application.catalog.read_cache import CatalogReadCache
from application.messaging.consumers import Consumer, ConsumerRunner
from application.shared.ports.messaging import IntegrationEvent
from application.shared.read_through import ReadThrough

NATS = os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222")
ids = Uuid7Generator()


class OneAtATime(Consumer):
    """The listener as it ran before: a plain Consumer, fed one delivery at a time."""

    def __init__(self, inner: ForgetChangedProducts) -> None:
        self.name, self.contexts, self._inner = inner.name, inner.contexts, inner

    async def __call__(self, event: IntegrationEvent) -> bool:
        return await self._inner(event)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _publish(namespace: str, events: int, rate: float) -> None:
    bus = NatsMessageBus(NATS, namespace=namespace)
    await bus.start()
    products = [uuid.uuid4() for _ in range(50)]
    step = 4  # events per burst, a burst every step / rate seconds
    started = time.monotonic()
    for n in range(0, events, step):
        batch = [
            IntegrationEvent(
                id=ids.new_id(),
                type="catalog.StockAdjusted",
                version=1,
                occurred_at=datetime.now(UTC),
                aggregate_id=products[(n + k) % len(products)],
                payload={"stock": 1000, "version": n + k, "reason": "order placed"},
                correlation_id="bench",
                actor="bench",
            )
            for k in range(min(step, events - n))
        ]
        await bus.publish_all(batch)
        pause = started + (n + step) / rate - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
    await bus.close()


def _publisher(namespace: str, events: int, rate: float) -> None:
    asyncio.run(_publish(namespace, events, rate))


async def _round(batched: bool, events: int, rate: float) -> float:
    namespace = "cl" + uuid.uuid4().hex[:12]
    bus = NatsMessageBus(NATS, namespace=namespace)
    await bus.start()
    # A memory cache keeps entries: forgetting builds and deletes the keys (never skipped).
    cache = CatalogReadCache(ReadThrough(MemoryCache(max_entries=100)))
    listener = ForgetChangedProducts(cache)
    runner = ConsumerRunner(bus, [], [listener if batched else OneAtATime(listener)])
    await runner.start()
    stats = runner.stats[listener.name]
    child = multiprocessing.get_context("spawn").Process(
        target=_publisher, args=(namespace, events, rate)
    )
    child.start()
    while stats.delivered == 0:
        await asyncio.sleep(0.001)
    before = _cpu()
    first = stats.delivered
    while stats.delivered < events:
        await asyncio.sleep(0.005)
    used = _cpu() - before
    child.join()
    await runner.stop()
    await bus.close()
    await _delete_streams(namespace)
    return used * 1e6 / (events - first)


async def _delete_streams(namespace: str) -> None:
    """The bench's own namespace's streams, and only those."""
    client = await nats.connect(NATS)
    js = client.jetstream()
    for info in await js.streams_info():
        if info.config.name and info.config.name.startswith(f"{namespace.upper()}_"):
            await js.delete_stream(info.config.name)
    await client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=800.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"one at a time": [], "each fetch at once": []}
    for _ in range(args.rounds):
        for name, batched in (("one at a time", False), ("each fetch at once", True)):
            figures[name].append(asyncio.run(_round(batched, args.events, args.rate)))
    print(
        f"cache listener, {args.events} events at ~{args.rate:.0f}/s, NATS {NATS}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("| way | CPU µs per event, each round | median |")
    print("| --- | --- | ---: |")
    for name, values in figures.items():
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(f"| {name} | {runs} | {statistics.median(values):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
