"""MemoryLease: leases in a dict; with memory persistence there is one process to agree with."""

from __future__ import annotations

from datetime import datetime, timedelta

from application.shared.ports.lease import Lease


class MemoryLease(Lease):
    def __init__(self) -> None:
        self._held: dict[str, tuple[str, datetime]] = {}

    async def take(self, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
        current = self._held.get(name)
        if current is not None and current[0] != holder and current[1] > now:
            return False
        self._held[name] = (holder, now + duration)
        return True
