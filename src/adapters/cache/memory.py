"""MemoryCache: a bounded LRU with per-entry TTL, for one process.

Every operation runs under one lock and never awaits inside it, so it is atomic for the
coroutines of the event loop and for threads alike. Values are kept by reference: cache only
immutable values (the port's rule).

Invalidation leaves a tombstone carrying an epoch (a counter). An entry filled after that
tombstone inherits its epoch, and `fill` stores only if the key's epoch is still the one its
lookup saw, so a value loaded before an invalidation is never stored after it. A tombstone
dropped by eviction or expiry raises a floor that refuses fills begun before it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

from application.shared.ports.cache import Cache, CacheKey, Lookup

T = TypeVar("T")


@dataclass(slots=True)
class _Slot:
    value: object
    epoch: int
    expires_at: float
    tombstone: bool


@dataclass(frozen=True, slots=True)
class _Ticket:
    epoch: int
    issued_at: int


class MemoryCache(Cache):
    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        tombstone_ttl: timedelta = timedelta(minutes=1),
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._tombstone_ttl = tombstone_ttl.total_seconds()
        self._now = now
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        self._lock = threading.Lock()
        self._epoch = 0
        self._lost_epoch = 0

    def __len__(self) -> int:
        return len(self._slots)

    async def lookup(self, key: CacheKey[T]) -> Lookup[T]:
        name = str(key)
        with self._lock:
            slot = self._live(name)
            ticket = _Ticket(slot.epoch if slot else 0, self._epoch)
            if slot is None or slot.tombstone:
                return Lookup(None, ticket)
            self._slots.move_to_end(name)
            return Lookup(cast("T", slot.value), ticket)

    async def fill(self, key: CacheKey[T], value: T, ttl: timedelta, ticket: object) -> bool:
        if not isinstance(ticket, _Ticket):
            return False
        name = str(key)
        with self._lock:
            slot = self._live(name)
            if (slot.epoch if slot else 0) != ticket.epoch:
                return False
            if slot is None and self._lost_epoch > ticket.issued_at:
                return False
            self._store(name, _Slot(value, ticket.epoch, self._now() + _seconds(ttl), False))
            return True

    async def get_many(self, keys: Sequence[CacheKey[T]]) -> dict[CacheKey[T], T]:
        found: dict[CacheKey[T], T] = {}
        with self._lock:
            for key in keys:
                name = str(key)
                slot = self._live(name)
                if slot is not None and not slot.tombstone:
                    self._slots.move_to_end(name)
                    found[key] = cast("T", slot.value)
        return found

    async def set(self, key: CacheKey[T], value: T, ttl: timedelta) -> None:
        name = str(key)
        with self._lock:
            slot = self._live(name)
            epoch = slot.epoch if slot else 0
            self._store(name, _Slot(value, epoch, self._now() + _seconds(ttl), False))

    async def delete_many(self, keys: Sequence[CacheKey[Any]]) -> None:
        with self._lock:
            expires_at = self._now() + self._tombstone_ttl
            for key in keys:
                self._epoch += 1
                self._store(str(key), _Slot(None, self._epoch, expires_at, True))

    def _live(self, name: str) -> _Slot | None:
        slot = self._slots.get(name)
        if slot is not None and slot.expires_at <= self._now():
            del self._slots[name]
            self._forget(slot)
            return None
        return slot

    def _store(self, name: str, slot: _Slot) -> None:
        self._slots[name] = slot
        self._slots.move_to_end(name)
        while len(self._slots) > self._max:
            _, evicted = self._slots.popitem(last=False)
            self._forget(evicted)

    def _forget(self, slot: _Slot) -> None:
        # The key's epoch is lost with the slot: refuse fills whose lookup predates it.
        self._lost_epoch = max(self._lost_epoch, slot.epoch)


def _seconds(ttl: timedelta) -> float:
    seconds = ttl.total_seconds()
    if seconds <= 0:
        raise ValueError("ttl must be positive")
    return seconds
