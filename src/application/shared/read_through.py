"""Read-through caching for query handlers, written once.

`ReadThrough` answers from the cache, or loads once per key however many callers miss at the same
time (single flight), and stores the result only if nothing invalidated the key meanwhile. With a
cache shared by several processes, the process whose `claim` wins loads; the others wait up to
`claim_hold` for its value, then load themselves (a stuck or failed loader never blocks reads).
`CachedQueryHandler` is the base a query handler extends to be cached: it names the key of a
query and how to load it; the base does the rest.

Read-after-write: `invalidate` first invalidates the cache, then detaches the loads in flight,
so a caller that starts after `invalidate` returned neither reads an old entry nor joins a load
that may have read the database before the write.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar

from application.shared.ports.cache import Cache, CacheKey, Lookup

T = TypeVar("T")
Q = TypeVar("Q")
R = TypeVar("R")


class ReadThrough:
    """`claim_hold`: how long another process may load a key we miss before we load it too;
    `claim_poll`: how often we look for its value meanwhile."""

    def __init__(
        self,
        cache: Cache,
        *,
        single_flight: bool = True,
        claim_hold: timedelta = timedelta(milliseconds=250),
        claim_poll: timedelta = timedelta(milliseconds=10),
    ) -> None:
        self._cache = cache
        self._single_flight = single_flight
        self._claim_hold = claim_hold
        self._claim_poll = claim_poll.total_seconds()
        self._flights: dict[CacheKey[Any], asyncio.Future[Any]] = {}

    @property
    def loads_in_flight(self) -> int:
        return len(self._flights)

    async def read(self, key: CacheKey[T], load: Callable[[], Awaitable[T]], ttl: timedelta) -> T:
        found = await self._cache.lookup(key)
        if found.value is not None:
            return found.value
        if not self._single_flight:
            return await self._load_and_fill(key, load, ttl, found.ticket)
        flight: asyncio.Future[T] | None = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._load_and_fill(key, load, ttl, found.ticket))
            self._flights[key] = flight
            flight.add_done_callback(self._landed(key))
        # Shielded: a caller that gives up (a client hung up) does not cancel the others' load.
        return await asyncio.shield(flight)

    async def invalidate(self, keys: Sequence[CacheKey[Any]]) -> None:
        await self._cache.delete_many(keys)
        for key in keys:
            self._flights.pop(key, None)

    async def _load_and_fill(
        self, key: CacheKey[T], load: Callable[[], Awaitable[T]], ttl: timedelta, ticket: object
    ) -> T:
        if self._single_flight and not await self._cache.claim(key, self._claim_hold):
            found = await self._await_other_loader(key)
            if found.value is not None:
                return found.value
            ticket = found.ticket
        value = await load()
        await self._cache.fill(key, value, ttl, ticket)
        return value

    async def _await_other_loader(self, key: CacheKey[T]) -> Lookup[T]:
        """Poll for the value another process is loading; the last lookup if it never comes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._claim_hold.total_seconds()
        found: Lookup[T] = Lookup(None)
        while loop.time() < deadline:
            await asyncio.sleep(self._claim_poll)
            found = await self._cache.lookup(key)
            if found.value is not None:
                break
        return found

    def _landed(self, key: CacheKey[Any]) -> Callable[[asyncio.Future[Any]], None]:
        def done(flight: asyncio.Future[Any]) -> None:
            if self._flights.get(key) is flight:
                del self._flights[key]
            if not flight.cancelled():
                flight.exception()  # retrieved: every waiter got it already

        return done


class CachedQueryHandler(ABC, Generic[Q, R]):
    """A query handler whose answers are cached; subclasses give `cache_key` and `load`."""

    def __init__(self, reads: ReadThrough, ttl: timedelta) -> None:
        self._reads = reads
        self._ttl = ttl

    @abstractmethod
    def cache_key(self, query: Q) -> CacheKey[R] | None:
        """The key of this query's answer; None when this query is not worth caching."""

    @abstractmethod
    async def load(self, query: Q) -> R:
        """Answer the query from the source of truth."""

    async def __call__(self, query: Q) -> R:
        key = self.cache_key(query)
        if key is None:
            return await self.load(query)
        return await self._reads.read(key, lambda: self.load(query), self._ttl)
