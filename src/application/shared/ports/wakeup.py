"""Doorbell port: a commit tells the loops that wait for new work (the outbox relay, the
projectors) that there may be some, so they need not poll for it.

A ring is a hint, never a delivery: a waiter that misses one (a lost notification, a process
that was not listening) finds the work on its next safety-net poll. Rings that come while a
waiter is busy are kept for it (named by `waiter`), so its next `wait` returns at once.

A ring says whether the commit may have stored events (the event store's appends, a rebuild
swapped in) or added outbox rows only (a product created): the projectors wait for the first
kind only, so the catalog's writes do not send them to the database for nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Doorbell(ABC):
    @property
    def reaches_other_processes(self) -> bool:
        """Whether a commit in another process rings here too (else only this process's do)."""
        return False

    @abstractmethod
    def ring(self, stored_events: bool = True) -> None:
        """Wake this process's waiters: a commit made here may have left them work.
        `stored_events` False: it added outbox rows only (no waiter for stored events wakes)."""

    def announce(self, stored_events: bool = True) -> None:
        """After a commit that told no other process: ring here and, where this doorbell
        reaches other processes, there too (soon after, not atomically with the commit)."""
        self.ring(stored_events)

    @abstractmethod
    async def wait(
        self, at_most: float, waiter: object = None, *, stored_events_only: bool = False
    ) -> bool:
        """Return True when rung (or rung since `waiter` last waited), False after `at_most`
        seconds without a ring. `waiter` is the waiting loop's object (the relay, the projector),
        held weakly; None hears only the rings from now on. `stored_events_only`: rings of
        commits that added outbox rows only do not count (a named waiter, always the same)."""
