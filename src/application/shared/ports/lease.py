"""Lease port: one holder at a time for a named job, across every process that shares the store.

A lease expires on its own, so a holder that dies frees it without anyone's help; a live holder
keeps it by taking it again before it expires.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta


class Lease(ABC):
    @abstractmethod
    async def take(self, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
        """Hold `name` until now + duration if it is free, expired or already `holder`'s;
        False if another holder has it. Of concurrent takers of a free lease, one wins."""
