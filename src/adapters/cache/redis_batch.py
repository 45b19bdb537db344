"""Coalesced: the calls made within one turn of the event loop, answered by one batch call.

RedisCache reads every entry through it: the lookups that concurrent requests make in the same
turn go to Redis as one MGET. A round trip through redis-py (pool checkout, timeout, breaker,
command packing, two syscalls) cost more CPU than the read it carried; shared, it is paid once
per batch instead of once per read, and Redis answers one command instead of many.

Order is kept: a call joins the batch being gathered, and that batch is sent only after every
call already made, so a lookup that starts after an invalidation returned is sent after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Coalesced(Generic[K, V]):
    """`get(item)` answers `fetch(items)`'s value for its item, `fetch` being called once for
    all the items asked within one turn of the loop (in the order asked; duplicates kept).

    `fetch` answers one value per item, in order. If it raises, every caller of that batch
    raises the same error (a caller cancelled meanwhile is left alone); a degraded answer is
    better returned as values, as RedisCache does."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        self._fetch = fetch
        self._gathering: list[tuple[K, asyncio.Future[V]]] = []
        self._sending: set[asyncio.Task[None]] = set()  # strong references until done

    async def get(self, item: K) -> V:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V] = loop.create_future()
        if not self._gathering:
            # The task's first step runs after the callbacks already due in this turn: the
            # other requests that are ready now join the batch before it is taken.
            task = loop.create_task(self._send())
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        self._gathering.append((item, future))
        return await future

    async def _send(self) -> None:
        batch, self._gathering = self._gathering, []
        try:
            values = await self._fetch([item for item, _ in batch])
            if len(values) != len(batch):
                raise ValueError(f"{len(values)} answers to {len(batch)} items")
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as error:
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), value in zip(batch, values, strict=False):
            if not future.done():
                future.set_result(value)
