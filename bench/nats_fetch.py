"""How soon a NATS batch consumer gets its events: a lone event, and a burst.

    uv run python -m bench.nats_fetch [--lone 60] [--burst 1000] [--rounds 3]

Needs NATS JetStream (PORTICO_BENCH_NATS_URL, default nats://127.0.0.1:4222); works in a
namespace of its own and deletes it. Lone: one event at a time, after a random idle pause of up
to 0.6 s, timed from before its publish to its `subscribe_batches` handler. Burst: --burst events
published at once (publish_all), timed from before the publish to the last one handled, with the
batch sizes the handler was given and this process's CPU (it publishes and consumes). Prints
p50/p99/max of the lone delays and each burst's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import time
from datetime import UTC, datetime
from uuid import uuid4

from tests.support.nats import Arrivals, delete_namespace, unique_namespace

from adapters.messaging.nats import NatsMessageBus
from application.shared.ports.messaging import IntegrationEvent


def event() -> IntegrationEvent:
    return IntegrationEvent(
        id=uuid4(),
        type="shop.ThingHappened",
        version=1,
        occurred_at=datetime.now(UTC),
        aggregate_id=uuid4(),
        payload={"n": 1},
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main(lone: int, burst: int, rounds: int) -> None:
    url = os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222")
    namespace = unique_namespace()
    bus = NatsMessageBus(url, namespace=namespace)
    await bus.start()
    try:
        arrivals = Arrivals()
        subscription = await bus.subscribe_batches("bench", arrivals, contexts=["shop"])
        delays = []
        for n in range(lone):
            await asyncio.sleep(random.uniform(0.05, 0.6))
            sent = event()
            before = time.monotonic()
            await bus.publish(sent)
            await arrivals.wait_for(n + 1)
            delays.append((arrivals.at[sent.id] - before) * 1000)
        delays.sort()
        if delays:
            p99 = delays[min(len(delays) - 1, round(len(delays) * 0.99))]
            print(
                f"lone ({lone}): p50 {statistics.median(delays):.1f} ms, p99 {p99:.1f} ms,"
                f" max {delays[-1]:.1f} ms, over 50 ms: {sum(d > 50 for d in delays)}"
            )
        for _ in range(rounds):
            events = [event() for _ in range(burst)]
            seen, sizes = len(arrivals.at), len(arrivals.sizes)
            cpu, before = _cpu(), time.monotonic()
            await bus.publish_all(events)
            await arrivals.wait_for(seen + burst)
            took = time.monotonic() - before
            batch = arrivals.sizes[sizes:]
            print(
                f"burst ({burst}): all in {took * 1000:.0f} ms ({burst / took:.0f} events/s),"
                f" {len(batch)} batches (mean {statistics.mean(batch):.1f}),"
                f" CPU {(_cpu() - cpu) / burst * 1e6:.0f} µs an event"
            )
        await subscription.stop()
    finally:
        await bus.close()
        await delete_namespace(url, namespace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lone", type=int, default=60)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.lone, args.burst, args.rounds))
