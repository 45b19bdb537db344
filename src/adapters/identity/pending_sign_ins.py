"""Pending sign-ins (social sign-in's state, nonce and PKCE verifier; one-time codes) in the
process's memory (redis_pending_sign_ins.py keeps them where every process sees them)."""

from __future__ import annotations

import time
from datetime import timedelta

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
