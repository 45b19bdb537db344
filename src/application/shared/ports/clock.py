"""Clock port: use cases never read the system time themselves (they hand `now` to the
aggregates), so tests can fix it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
