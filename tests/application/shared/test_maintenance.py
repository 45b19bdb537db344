"""Maintenance: every chore runs with the cutoff its retention gives; a failing chore does not
stop the others; on a schedule, only the lease's holder runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.persistence.memory.lease import MemoryLease
from application.shared.maintenance import Chore, ChoreDone, Maintenance
from tests.support.clock import FixedClock

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Forgetting:
    """A store's purge: records the cutoffs it was given and forgets what is older."""

    def __init__(self, *ages: datetime) -> None:
        self.rows = list(ages)
        self.cutoffs: list[datetime] = []

    async def __call__(self, cutoff: datetime) -> int:
        self.cutoffs.append(cutoff)
        before = len(self.rows)
        self.rows = [at for at in self.rows if at >= cutoff]
        return before - len(self.rows)


async def broken(now: datetime) -> int:
    raise ConnectionError("database is down")


async def test_each_chore_forgets_what_outlived_its_retention() -> None:
    outbox, keys = Forgetting(T0 - 3 * HOUR, T0 - HOUR), Forgetting(T0 - 30 * HOUR)
    maintenance = Maintenance(
        [
            Chore.forgetting("outbox", outbox, 2 * HOUR),
            Chore.forgetting("keys", keys, 24 * HOUR),
        ],
        FixedClock(T0),
        MemoryLease(),
    )

    assert await maintenance.run() == [ChoreDone("outbox", 1), ChoreDone("keys", 1)]
    assert outbox.cutoffs == [T0 - 2 * HOUR]
    assert keys.cutoffs == [T0 - 24 * HOUR]
    assert outbox.rows == [T0 - HOUR]


async def test_a_failing_chore_is_reported_and_the_others_still_run() -> None:
    after = Forgetting(T0 - 3 * HOUR)
    maintenance = Maintenance(
        [Chore("inbox", broken), Chore.forgetting("outbox", after, HOUR)],
        FixedClock(T0),
        MemoryLease(),
    )

    done = await maintenance.run()

    assert done == [
        ChoreDone("inbox", error="ConnectionError: database is down"),
        ChoreDone("outbox", 1),
    ]


async def test_on_a_schedule_only_the_lease_holder_runs_until_it_stops_renewing() -> None:
    clock, lease, chore = FixedClock(T0), MemoryLease(), Forgetting()
    first = Maintenance([Chore.forgetting("outbox", chore, HOUR)], clock, lease)
    second = Maintenance([Chore.forgetting("outbox", chore, HOUR)], clock, lease)
    every = timedelta(minutes=10)

    assert await first.run_if_leader("worker-1", every) == [ChoreDone("outbox", 0)]
    assert await second.run_if_leader("worker-2", every) is None
    clock.advance(every)
    assert await first.run_if_leader("worker-1", every) is not None  # renews
    clock.advance(every * 1.5)
    assert await second.run_if_leader("worker-2", every) is None  # still within two periods
    clock.advance(every)  # worker-1 stopped renewing two periods ago
    assert await second.run_if_leader("worker-2", every) is not None
    assert len(chore.cutoffs) == 3


def test_chore_names_are_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        Maintenance(
            [Chore("outbox", broken), Chore("outbox", broken)], FixedClock(T0), MemoryLease()
        )
