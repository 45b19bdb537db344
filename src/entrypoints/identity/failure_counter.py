"""StoreFailureCounter: the second factor's failure counts, in the sign-in rate-limit store (so
on Redis with PORTICO_CACHE=redis, shared by every process, like LoginThrottle's)."""

from __future__ import annotations

from application.identity.mfa_ports import FailureCounter
from entrypoints.http.security.rate_limit_store import CountingStore


class StoreFailureCounter(FailureCounter):
    def __init__(self, store: CountingStore) -> None:
        self._store = store

    async def failures(self, key: str) -> int:
        raw = await self._store.get(key)
        try:
            return int(raw) if raw else 0
        except ValueError:
            return 0

    async def fail(self, key: str, window_seconds: int) -> int:
        return await self._store.increment(key, window_seconds)

    async def retry_after(self, key: str) -> int | None:
        return await self._store.expires_in(key)

    async def clear(self, key: str) -> None:
        await self._store.delete(key)
