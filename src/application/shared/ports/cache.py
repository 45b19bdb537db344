"""Cache port: keep copies of read results, and forget them when the facts behind them change.

A cached value lives in a `CacheSpace`: a bounded context, a name, and a schema version. Bumping
`schema` when the cached type changes shape means old entries are never read as the new shape.
Values are plain data (frozen dataclasses of str, int, Decimal, UUID, datetime, lists of those).

A cache is an optimisation, never a source of truth: adapters answer a miss rather than raise
when their backing store fails, and `delete` never leaves an entry readable once it returns,
even when the store is unreachable (an adapter that cannot delete stops serving entries until it
can prove they are fresh again).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CacheSpace(Generic[T]):
    """A family of cached values of one type, e.g. CacheSpace("catalog", "product", 1, View)."""

    context: str
    name: str
    schema: int
    type: type[T]

    def key(self, name: str) -> CacheKey[T]:
        return CacheKey(self, name)


@dataclass(frozen=True, slots=True)
class CacheKey(Generic[T]):
    """One entry of a space; `name` identifies the value within it (an id, a page's shape)."""

    space: CacheSpace[T]
    name: str

    def __str__(self) -> str:
        space = self.space
        return f"{space.context}:{space.name}:v{space.schema}:{self.name}"


@dataclass(frozen=True, slots=True)
class Lookup(Generic[T]):
    """What `lookup` found: the value (None on a miss) and a ticket for `fill`.

    The ticket records which invalidation the entry was at, so a value loaded after a miss is
    stored only if nothing invalidated the key in between (no stale value is resurrected).
    """

    value: T | None
    ticket: object = None


class Cache(ABC):
    """get/get_many/set/delete/delete_many, plus lookup/fill for race-free read-through."""

    # False for a cache that never keeps anything (NoCache): reads then go straight to the source.
    keeps_values: bool = True

    @abstractmethod
    async def lookup(self, key: CacheKey[T]) -> Lookup[T]:
        """The entry if present and fresh, else a miss with the ticket `fill` needs."""

    @abstractmethod
    async def fill(self, key: CacheKey[T], value: T, ttl: timedelta, ticket: object) -> bool:
        """Store `value` unless `key` was invalidated since the lookup that gave `ticket`.

        Answers whether it was stored.
        """

    @abstractmethod
    async def get_many(self, keys: Sequence[CacheKey[T]]) -> dict[CacheKey[T], T]:
        """The fresh entries among `keys`; missing ones are absent from the answer."""

    @abstractmethod
    async def set(self, key: CacheKey[T], value: T, ttl: timedelta) -> None:
        """Store unconditionally (for values known to be current, e.g. just written)."""

    @abstractmethod
    async def delete_many(self, keys: Sequence[CacheKey[Any]]) -> None:
        """Invalidate: once this returns, no lookup answers the old entries and no `fill` that
        began before it stores a value."""

    async def claim(self, key: CacheKey[Any], hold: timedelta) -> bool:
        """Ask to be the one loader of `key` for the next `hold` (stampede protection across
        processes). False: another process is loading it, so wait for its fill rather than load
        too. A per-process cache always agrees (single flight in the process is enough); a
        claim ends at `hold` or when the key is invalidated."""
        return True

    async def get(self, key: CacheKey[T]) -> T | None:
        return (await self.lookup(key)).value

    async def delete(self, key: CacheKey[Any]) -> None:
        await self.delete_many([key])


class CacheObserver(Protocol):
    """Told how the cache serves (metrics, with metrics on; None otherwise)."""

    def looked_up(self, space: CacheSpace[Any], hit: bool) -> None:
        """A read-through's first look at a key: answered from the cache (hit) or not."""

    def failed(self, space: CacheSpace[Any] | None, operation: str) -> None:
        """An operation failed against the cache's store (None: not about one space)."""
