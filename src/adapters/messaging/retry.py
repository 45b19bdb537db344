"""RetryPolicy: how often and how late a failed delivery is tried again (both buses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`max_deliveries` tries in all; the n-th retry waits `first_delay * 2**(n-1)` seconds, at
    most `max_delay`. A delivery not settled within `ack_wait` seconds is tried again."""

    max_deliveries: int = 5
    first_delay: float = 1.0
    max_delay: float = 60.0
    ack_wait: float = 30.0

    def __post_init__(self) -> None:
        if self.max_deliveries < 1:
            raise ValueError("max_deliveries must be at least 1")

    def delay(self, attempt: int) -> float:
        """How long to wait after the failed `attempt` (1-based) before the next one."""
        growth: float = 2.0 ** max(0, attempt - 1)
        return min(self.first_delay * growth, self.max_delay)
