"""The order projector's live catch-ups on PostgreSQL: CPU per event of this process.

    uv run python -m bench.projector_steps [--events 2000] [--batch 1 --batch 8]

Live, the projector is rung by each commit and catches up on the few events committed since
its last catch-up: a head query, then for each order projection its state, the events (read
once for both), the rows of orders seen before (none of new orders) and the save. Here, in one
process against a fresh database (default: portico_projector_bench), `--batch` OrderPlaced
events (one new order stream each, as POST /api/v1/orders appends) are appended, then one
catch-up of both order projections runs; again until `--events` are projected. Counted: the
CPU of this process (time.process_time) and wall time during the catch-ups only, per event.
Run another tree's code with PYTHONPATH=<its src> (before/after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from adapters.ordering.sql_projections import SqlOrderDetailsStore, SqlOrderSummaryStore
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.event_store import SqlEventStore
from adapters.persistence.sql.schema import metadata
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.projections import fold_details, fold_summary
from application.shared.projector import Projection, Projector
from domain.ordering.lines import OrderLine
from domain.ordering.order import Order, stream_of
from domain.shared.money import Money
from domain.shared.tenant import Tenant

ROOT = Path(__file__).resolve().parents[1]
URL = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_projector_bench",
)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def placed(i: int) -> tuple[str, list[object]]:
    order = Order.place(
        tenant=Tenant.single(),
        id=uuid4(),
        customer_id=UUID(int=i % 500 + 1),
        lines=[OrderLine(UUID(int=1000 + i % 50), 1, Money.of("9.99", "EUR"))],
        now=T0 + timedelta(milliseconds=i),
    )
    return stream_of(order.id), [ORDER_EVENT_CODEC.encode(e, uuid4()) for e in order.pending_events]


async def run(url: str, events: int, batch: int) -> tuple[float, float]:
    """CPU µs and wall µs per event over the catch-ups."""
    sys.path.insert(0, str(ROOT))
    from tests.support.databases import recreate_database

    await recreate_database(url)
    database = SqlDatabase(url, pool_size=5)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        store = SqlEventStore(database)
        projector = Projector(
            store,
            [
                Projection(SqlOrderSummaryStore(database), fold_summary),
                Projection(SqlOrderDetailsStore(database), fold_details),
            ],
            ORDER_EVENT_CODEC,
        )
        await projector.catch_up()  # the states created, statements prepared
        cpu = wall = 0.0
        appended = applied = 0
        while appended < events:
            for i in range(appended, appended + batch):
                stream, new = placed(i)
                await store.append(stream, 0, new)  # type: ignore[arg-type]
            appended += batch
            started, started_cpu = time.perf_counter(), time.process_time()
            # Each projection applies each event. Fewer when a transaction of the cluster older
            # than an append holds it back (the store's horizon): a later catch-up takes it.
            applied += await projector.catch_up()
            cpu += time.process_time() - started_cpu
            wall += time.perf_counter() - started
        projected = applied / 2
        return cpu * 1e6 / projected, wall * 1e6 / projected
    finally:
        await database.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, action="append")
    args = parser.parse_args()
    import adapters

    print(f"code: {Path(adapters.__file__).parents[1]}, load average {os.getloadavg()[0]:.1f}")
    print("| events per catch-up | CPU µs per event | wall µs per event |")
    print("| ---: | ---: | ---: |")
    for batch in args.batch or [1, 8]:
        cpu, wall = await run(args.url, args.events, batch)
        print(f"| {batch} | {cpu:.0f} | {wall:.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
