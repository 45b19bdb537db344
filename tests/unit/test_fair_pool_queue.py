"""The fair pool's queue (adapters/persistence/sql/fair_pool.py) when a waiter gives up: one that
timed out before a put is passed over, and one handed an item but cancelled before it could take
it passes the item on, so that no connection is lost to the pool. The order of the waiters that
remain is kept. The pool itself, on PostgreSQL: tests/contract/test_pool_fairness.py."""

from __future__ import annotations

import asyncio

from adapters.persistence.sql.fair_pool import FairAsyncPool, HandOff


def _queue() -> HandOff[str]:
    pool = FairAsyncPool(lambda: None, pool_size=3)
    queue: HandOff[str] = pool._pool._queue  # type: ignore[attr-defined]
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


async def _failed_in_time(task: asyncio.Task[str]) -> BaseException | None:
    done, _ = await asyncio.wait({task}, timeout=5)  # a guard, far beyond the deadlines here
    assert task in done, "the bounded wait outlived its deadline"
    return task.exception()


async def test_a_bounded_wait_fails_at_its_deadline_and_the_item_goes_to_the_one_behind() -> None:
    queue = _queue()
    bounded = asyncio.create_task(queue.get_within(0.05))
    behind = asyncio.create_task(queue.get())
    assert isinstance(await _failed_in_time(bounded), TimeoutError)
    queue.put_nowait("connection")
    assert await asyncio.wait_for(behind, 5) == "connection"
    assert queue.empty()


async def test_a_shorter_deadline_after_a_longer_one_still_fails_first() -> None:
    # One timer serves every bounded wait of the queue: armed for the long wait, it must be
    # brought forward for the short one (the pool's timeout changed meanwhile).
    queue = _queue()
    long = asyncio.create_task(queue.get_within(60))
    await asyncio.sleep(0)
    short = asyncio.create_task(queue.get_within(0.05))
    assert isinstance(await _failed_in_time(short), TimeoutError)
    assert not long.done()
    queue.put_nowait("connection")
    assert await asyncio.wait_for(long, 5) == "connection"


async def test_bounded_waits_served_in_time_leave_no_timer_behind() -> None:
    queue = _queue()
    waits = [asyncio.create_task(queue.get_within(60)) for _ in range(3)]
    await asyncio.sleep(0)
    for n in range(3):
        queue.put_nowait(f"connection {n}")
    assert await asyncio.wait_for(asyncio.gather(*waits), 5) == [
        f"connection {n}" for n in range(3)
    ]
    # The timer is not cancelled per wait (that is the point); when it fires it finds nobody
    # waiting and is not armed again.
    timer = queue._timer
    assert timer is not None
    timer._run()  # what the loop does at its deadline, 60 s from now
    assert queue._timer is None
