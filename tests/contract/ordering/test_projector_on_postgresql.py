"""The projector over PostgreSQL's event store, which holds an event back while a transaction
that began before it is still open: the event is projected once that transaction ends, by the
safety-net poll alone, with no ring to say so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.ordering.memory_projections import (
    MemoryOrderDetailsStore,
    MemoryOrderSummaryStore,
    MemoryProjectionData,
)
from adapters.persistence.doorbell import InProcessDoorbell
from adapters.persistence.sql.event_store import SqlEventStore
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.projections import fold_details, fold_summary
from application.shared.projector import Projection, Projector
from tests.contract.conftest import empty_event_store, sql_database
from tests.contract.test_event_store import new_event

pytestmark = pytest.mark.postgres
GUARD = 20.0  # seconds: turns "never projected" into a failure; nothing here is timed


async def test_an_event_held_back_by_an_open_transaction_is_projected_once_it_ends(
    tmp_path: Path,
) -> None:
    database = await sql_database("postgresql", tmp_path)
    await empty_event_store(database)
    events, data = SqlEventStore(database), MemoryProjectionData()
    projector = Projector(
        events=events,
        projections=[
            Projection(store=MemoryOrderSummaryStore(data), fold=fold_summary),
            Projection(store=MemoryOrderDetailsStore(data), fold=fold_details),
        ],
        codec=ORDER_EVENT_CODEC,
    )
    doorbell, stop = InProcessDoorbell(), asyncio.Event()
    follower = asyncio.create_task(
        projector.follow(stop, doorbell=doorbell, idle_seconds=0.01, idle_max=0.05)
    )
    try:
        async with database.begin() as older:
            await older.execute(text("SELECT pg_current_xact_id()"))  # began before the event
            await events.append("s", 0, [new_event(n=1)])
            doorbell.ring()  # the commit rings: the catch-up reads the moved head, not the event
            await asyncio.sleep(0.5)  # several polls while it is held back
            assert 0 not in (await projector.lag()).values()  # neither has projected it
        # No ring now: only the poll can find that the event has become readable.
        async with asyncio.timeout(GUARD):
            while set((await projector.lag()).values()) != {0}:
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await follower
        await database.dispose()
