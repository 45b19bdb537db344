"""The rate-limit store: per process here (redis_rate_limit_store.py shares it in Redis, so limits
hold across processes).

Every store adds `increment`: a read-then-write through the Store API loses counts when requests
race (each reads n, each writes n + 1), so failed logins are counted in one atomic step.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from typing import TypeVar

import structlog
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

T = TypeVar("T")
_log = structlog.get_logger("portico.rate_limit")


class CountingStore(Store):
    """A Litestar store that can also count."""

    @abstractmethod
    async def increment(self, key: str, expires_in: int) -> int:
        """Add one to the count at `key`, atomically, and (re)start its expiry; the new count."""


class MemoryRateLimitStore(MemoryStore, CountingStore):
    """Litestar's MemoryStore (per process) with an increment made atomic by one lock."""

    def __init__(self) -> None:
        super().__init__()
        self._counting = asyncio.Lock()

    async def increment(self, key: str, expires_in: int) -> int:
        # MemoryStore's get and set each yield to the event loop: without the lock, concurrent
        # increments would interleave between them.
        async with self._counting:
            count = _count(await self.get(key)) + 1
            await self.set(key, str(count), expires_in)
        return count


def _count(raw: bytes | None) -> int:
    try:
        return int(raw) if raw else 0
    except ValueError:
        return 0
