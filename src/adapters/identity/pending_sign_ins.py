"""Pending sign-ins (social sign-in's state, nonce and PKCE verifier; one-time codes): in the
process's memory, or in Redis so that every process sees them (GETDEL takes a key once)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from redis.asyncio import Redis

from application.identity.social_ports import PendingSignIns


class MemoryPendingSignIns(PendingSignIns):
    """One process only: a start and its callback must reach the same process."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, dict[str, str]]] = {}

    async def put(self, key: str, value: dict[str, str], ttl: timedelta) -> None:
        now = time.monotonic()
        self._entries = {k: v for k, v in self._entries.items() if v[0] > now}  # forget old
        self._entries[key] = (now + ttl.total_seconds(), dict(value))

    async def take(self, key: str) -> dict[str, str] | None:
        found = self._entries.pop(key, None)  # no await in between: taken once
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]


class RedisPendingSignIns(PendingSignIns):
    def __init__(self, client: Redis, *, namespace: str) -> None:
        self._client = client
        self._namespace = namespace

    async def put(self, key: str, value: dict[str, str], ttl: timedelta) -> None:
        milliseconds = max(1, int(ttl.total_seconds() * 1000))
        await self._client.set(f"{self._namespace}:{key}", json.dumps(value), px=milliseconds)

    async def take(self, key: str) -> dict[str, str] | None:
        raw = await self._client.getdel(f"{self._namespace}:{key}")
        if raw is None:
            return None
        value: dict[str, str] = json.loads(raw)
        return value

    async def close(self) -> None:
        await self._client.aclose()
