"""Housekeeping: chores that keep tables bounded, run by one process at a time.

Each store that grows contributes a chore (sent outbox rows, inbox records, idempotency keys,
expired refresh tokens...). A chore gets the time and removes what has outlived its retention;
one failing chore does not stop the others, and the next run tries again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.shared.ports.clock import Clock
from application.shared.ports.lease import Lease

LEASE = "maintenance"


@dataclass(frozen=True, slots=True)
class Chore:
    """`run(now)` removes or releases what is due and says how many rows it touched."""

    name: str
    run: Callable[[datetime], Awaitable[int]]

    @classmethod
    def forgetting(
        cls, name: str, forget: Callable[[datetime], Awaitable[int]], keep: timedelta
    ) -> Chore:
        """A chore that calls `forget(cutoff)` with what is older than `keep` as due."""
        return cls(name, lambda now: forget(now - keep))


@dataclass(frozen=True, slots=True)
class ChoreDone:
    name: str
    rows: int = 0
    error: str | None = None


class Maintenance:
    def __init__(self, chores: Sequence[Chore], clock: Clock, lease: Lease) -> None:
        names = [chore.name for chore in chores]
        if len(set(names)) != len(names):
            raise ValueError(f"chore names must be unique: {names}")
        self.chores = tuple(chores)
        self._clock = clock
        self._lease = lease

    async def run(self) -> list[ChoreDone]:
        """Every chore once, whatever the lease says (an operator's or cron's explicit run)."""
        done = []
        for chore in self.chores:
            try:
                done.append(ChoreDone(chore.name, await chore.run(self._clock.now())))
            except Exception as error:  # the others still run; the next run retries this one
                done.append(ChoreDone(chore.name, error=f"{type(error).__name__}: {error}"))
        return done

    async def run_if_leader(self, holder: str, every: timedelta) -> list[ChoreDone] | None:
        """Run when `holder` holds the lease (taken or kept for two periods, so a holder that
        stops is replaced within two periods); None when another process holds it."""
        if not await self._lease.take(LEASE, holder, self._clock.now(), every * 2):
            return None
        return await self.run()
