"""NoCache: the Cache port with nothing behind it; every read goes to the source."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from application.shared.ports.cache import Cache, CacheKey, Lookup

T = TypeVar("T")


class NoCache(Cache):
    keeps_values = False

    async def lookup(self, key: CacheKey[T]) -> Lookup[T]:
        return Lookup(None)

    async def fill(self, key: CacheKey[T], value: T, ttl: timedelta, ticket: object) -> bool:
        return False

    async def get_many(self, keys: Sequence[CacheKey[T]]) -> dict[CacheKey[T], T]:
        return {}

    async def set(self, key: CacheKey[T], value: T, ttl: timedelta) -> None:
        return None

    async def delete_many(self, keys: Sequence[CacheKey[Any]]) -> None:
        return None
