"""Pending sign-ins in Redis, so that every process sees them: a callback may reach another
process than its start (GETDEL takes a key once)."""

from __future__ import annotations

import json
from datetime import timedelta

from redis.asyncio import Redis

from application.identity.social_ports import PendingSignIns


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
