"""The fair pool's queue (adapters/persistence/sql/fair_pool.py) when a waiter gives up: one that
timed out before a put is passed over, and one handed an item but cancelled before it could take
it passes the item on, so that no connection is lost to the pool. The order of the waiters that
remain is kept. The pool itself, on PostgreSQL: tests/contract/test_pool_fairness.py."""

from __future__ import annotations

import asyncio

from adapters.persistence.sql.fair_pool import FairAsyncPool


def _queue() -> asyncio.Queue[str]:
    pool = FairAsyncPool(lambda: None, pool_size=3)
    queue: asyncio.Queue[str] = pool._pool._queue  # type: ignore[attr-defined]
    return queue


async def test_a_waiter_that_gave_up_is_passed_over() -> None:
    queue = _queue()
    gave_up = asyncio.create_task(queue.get())
    kept = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    gave_up.cancel()
    await asyncio.gather(gave_up, return_exceptions=True)
    queue.put_nowait("connection")
    # Without passing it over: the put hands the item to a cancelled future (InvalidStateError).
    assert await asyncio.wait_for(kept, 5) == "connection"
    assert queue.empty()


async def test_an_item_handed_to_a_waiter_cancelled_meanwhile_goes_to_the_next() -> None:
    queue = _queue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("connection")  # handed to the first, which has not run yet
    first.cancel()  # as its pool timeout would, in that same turn
    await asyncio.gather(first, return_exceptions=True)
    assert first.cancelled()
    assert await asyncio.wait_for(second, 5) == "connection"


async def test_with_nobody_waiting_an_item_waits_in_the_queue() -> None:
    queue = _queue()
    queue.put_nowait("connection")
    assert queue.qsize() == 1
    assert await queue.get() == "connection"
