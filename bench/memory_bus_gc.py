"""What the in-process bus keeps for the garbage collector: objects it tracks, and the CPU of a
full collection, after `--events` events published and acknowledged by two consumers.

    uv run python -m bench.memory_bus_gc [--events 100000]

Start-up's objects are frozen first, as `portico serve` does (entrypoints/heap.py), so a full
pass walks what the bus kept (and what the run left). Embedded mode publishes two events per
order (StockAdjusted, OrderPlaced): 1,000 orders/s for a minute is 120,000.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

from adapters.messaging.memory import MemoryMessageBus
from application.shared.ports.messaging import Delivery, IntegrationEvent


async def run(events: int) -> None:
    bus = MemoryMessageBus()
    done = asyncio.Event()
    acked = {"audit": 0, "notifications": 0}

    def consumer(name: str):  # type: ignore[no-untyped-def]
        async def handle(deliveries: Sequence[Delivery]) -> None:
            for delivery in deliveries:
                await delivery.ack()
            acked[name] += len(deliveries)
            if min(acked.values()) >= events:
                done.set()

        return handle

    subscriptions = [
        await bus.subscribe_batches(name, consumer(name), contexts=["ordering"], at_most=100)
        for name in acked
    ]
    for n in range(events):
        await bus.publish(
            IntegrationEvent(
                id=uuid4(),
                type="ordering.OrderPlaced",
                version=1,
                occurred_at=datetime.now(UTC),
                aggregate_id=uuid4(),
                payload={"order_id": str(uuid4()), "lines": [{"quantity": 1}], "n": n},
            )
        )
        if n % 100 == 0:
            await asyncio.sleep(0)  # let the consumers keep up, as under requests
    await done.wait()
    for subscription in subscriptions:
        await subscription.stop()
    tracked = len(gc.get_objects())
    started = time.process_time()
    gc.collect()
    cpu = time.process_time() - started
    print(f"{events} events: {tracked} tracked objects, a full collection {cpu * 1000:.1f} ms CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    gc.collect()
    gc.freeze()
    asyncio.run(run(args.events))


if __name__ == "__main__":
    main()
