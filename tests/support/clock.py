"""A Clock adapter whose time the test moves: deterministic timestamps and orderings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.system.clock import SystemClock
from application.shared.ports.clock import Clock


class SteppingClock(Clock):
    """Each reading is `step` later than the one before."""

    def __init__(
        self,
        start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
        step: timedelta = timedelta(milliseconds=1),
    ) -> None:
        self.current = start
        self.step = step

    def now(self) -> datetime:
        self.current += self.step
        return self.current


class FixedClock(Clock):
    """Always the same time, until the test moves it with `advance`."""

    def __init__(self, at: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.current = at

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SwitchedClock(Clock):
    """The clock of an app reused by several tests (tests/support/shared_app.py): it reads the
    clock its current test set, the system's unless the test set one."""

    def __init__(self) -> None:
        self.reading: Clock = SystemClock()

    def now(self) -> datetime:
        return self.reading.now()
