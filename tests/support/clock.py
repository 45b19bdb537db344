"""A Clock adapter whose time the test moves: deterministic timestamps and orderings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.shared.clock import Clock


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
