"""MaintenanceLoop: every process ticks, only the lease's holder runs the chores; when it stops,
another process takes over once the lease has run out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.persistence.memory.lease import MemoryLease
from application.shared.maintenance import Chore, Maintenance
from entrypoints.worker.maintenance import MaintenanceLoop
from tests.support.clock import FixedClock

EVERY = 0.02  # seconds between ticks


class Counting:
    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, now: datetime) -> int:
        self.runs += 1
        return 0


async def test_one_process_runs_the_chores_until_it_stops() -> None:
    # The lease lives in the clock's time, which only the test moves: no race with the ticks.
    clock, lease = FixedClock(datetime(2026, 6, 1, tzinfo=UTC)), MemoryLease()
    first, second = Counting(), Counting()
    one = MaintenanceLoop(Maintenance([Chore("count", first)], clock, lease), EVERY)
    other = MaintenanceLoop(Maintenance([Chore("count", second)], clock, lease), EVERY)

    await one.start()
    async with asyncio.timeout(10):
        while first.runs < 3:
            await asyncio.sleep(EVERY)
    await other.start()
    await asyncio.sleep(EVERY * 5)
    await one.stop()
    assert second.runs == 0  # ticking, refused by the lease

    clock.advance(timedelta(seconds=EVERY * 2))  # the stopped holder's lease runs out
    async with asyncio.timeout(10):
        while second.runs == 0:
            await asyncio.sleep(EVERY)
    await other.stop()
    assert first.runs >= 3
