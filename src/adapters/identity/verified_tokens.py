"""CachedTokenVerifier: remembers tokens it has fully verified, until they expire.

A client presents the same access token on every request for its whole lifetime; checking its
signature each time is most of the cost of authentication (an Ed25519 verification is ~0.1 ms).
A token that passed once passes again until `exp`, so the principal is kept, keyed by the exact
token text, in a bounded in-process map (oldest first out). Tokens that fail are never kept, so a
forgery is always checked in full. Per-request checks that can change (AccessRevocations) are
made by the caller after this, on every request.
"""

from __future__ import annotations

from collections import OrderedDict

from application.identity.ports import TokenVerifier
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal


class CachedTokenVerifier(TokenVerifier):
    def __init__(self, inner: TokenVerifier, clock: Clock, *, max_entries: int = 10_000) -> None:
        self._inner = inner
        self._clock = clock
        self._max_entries = max_entries
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            if self._clock.now() < known.expires_at:
                return known
            del self._verified[token]
        principal = await self._inner.verify(token)
        if self._max_entries > 0:
            self._verified[token] = principal
            if len(self._verified) > self._max_entries:
                self._verified.popitem(last=False)
        return principal

    async def close(self) -> None:
        await self._inner.close()
