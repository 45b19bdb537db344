"""ONE contract for Lease, on memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from application.shared.ports.lease import Lease

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def test_one_holder_until_it_expires(lease: Lease) -> None:
    assert await lease.take("housekeeping", "a", T0, MINUTE)
    assert not await lease.take("housekeeping", "b", T0 + MINUTE / 2, MINUTE)
    assert await lease.take("other-job", "b", T0, MINUTE)  # leases are per name

    assert await lease.take("housekeeping", "b", T0 + MINUTE, MINUTE)  # a's ran out
    assert not await lease.take("housekeeping", "a", T0 + MINUTE * 1.5, MINUTE)


async def test_the_holder_keeps_it_by_taking_it_again(lease: Lease) -> None:
    assert await lease.take("housekeeping", "a", T0, MINUTE)
    assert await lease.take("housekeeping", "a", T0 + MINUTE / 2, MINUTE)
    assert await lease.take("housekeeping", "a", T0 + MINUTE / 2, MINUTE)  # same values again
    # Renewed until T0 + 1.5 minutes, so b is still refused after the first minute.
    assert not await lease.take("housekeeping", "b", T0 + MINUTE * 1.2, MINUTE)


async def test_of_concurrent_takers_of_a_free_lease_one_wins(lease: Lease) -> None:
    won = await asyncio.gather(*(lease.take("race", f"h{i}", T0, MINUTE) for i in range(5)))
    assert won.count(True) == 1
