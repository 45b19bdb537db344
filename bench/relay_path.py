"""The NATS bus's CPU per event on the worker's path, in one process: the relay's publishes and a
batch consumer's deliveries (decode, acks), without PostgreSQL.

    uv run python -m bench.relay_path [--events 6000] [--batch 30] [--rounds 3] [--baseline DIR]

Each round, for each tree (this checkout, and `DIR` as `before` if given, alternating), a child
process of that tree's interpreter: `NatsMessageBus.publish_all` in batches of `--batch` product
events (tracing off, as the worker's default), while `subscribe_batches` takes them and acks
each; the process's CPU (getrusage) from the first publish to the last event handled, per event.
Needs NATS JetStream (PORTICO_BENCH_NATS_URL, default nats://127.0.0.1:4222); each child works
in a namespace of its own and deletes it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _one(events: int, batch: int) -> float:
    """CPU µs per event in this process (its tree's code)."""
    from tests.support.nats import delete_namespace, unique_namespace

    from adapters.messaging.nats import NatsMessageBus
    from application.shared.ports.messaging import Delivery, IntegrationEvent

    url = os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222")
    namespace = unique_namespace()
    bus = NatsMessageBus(url, namespace=namespace)
    await bus.start()
    handled = 0
    done = asyncio.Event()

    async def handler(deliveries: Sequence[Delivery]) -> None:
        nonlocal handled
        for delivery in deliveries:
            await delivery.ack()
        handled += len(deliveries)
        if handled >= total:
            done.set()

    def event(n: int) -> IntegrationEvent:
        return IntegrationEvent(
            id=uuid4(),
            type="catalog.ProductCreated",
            version=1,
            occurred_at=datetime.now(UTC),
            aggregate_id=uuid4(),
            payload={
                "product_id": str(uuid4()),
                "sku": f"D-{n}",
                "name": "Drain",
                "price": {"amount": "1.50", "currency": "EUR"},
                "stock": 0,
            },
            correlation_id=uuid4().hex,
        )

    try:
        subscription = await bus.subscribe_batches(
            "bench", handler, contexts=["catalog"], at_most=50
        )
        total = batch * 10  # warm-up: the stream made, the statements' caches filled
        for start in range(0, total, batch):
            await bus.publish_all([event(n) for n in range(start, start + batch)])
        await done.wait()
        prepared = [[event(n) for n in range(s, s + batch)] for s in range(0, events, batch)]
        handled, total = 0, sum(len(b) for b in prepared)
        done.clear()
        cpu = _cpu()
        for each in prepared:
            await bus.publish_all(each)
        await done.wait()
        spent = _cpu() - cpu
        await subscription.stop()
    finally:
        await bus.close()
        await delete_namespace(url, namespace)
    return spent / total * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout, run as `before`")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(asyncio.run(_one(args.events, args.batch)))
        return
    trees = {"after": ROOT} if args.baseline is None else {"before": args.baseline, "after": ROOT}
    runs: dict[str, list[float]] = {name: [] for name in trees}
    for round_ in range(1, args.rounds + 1):
        for name, root in trees.items():
            command = [str(root / ".venv/bin/python"), "-m", "bench.relay_path", "--one"]
            command += ["--events", str(args.events), "--batch", str(args.batch)]
            env = dict(os.environ, PYTHONPATH=f"{root}:{root / 'src'}")
            out = subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
            runs[name].append(float(out.stdout.decode().split()[-1]))
            print(f"round {round_} {name}: {runs[name][-1]:.1f} µs of CPU per event", flush=True)
    for name, each in runs.items():
        print(f"{name}: median {statistics.median(each):.1f} µs per event ({len(each)} rounds)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
