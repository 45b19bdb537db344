"""Coalesced (adapters/cache/redis_batch.py): calls made in one turn of the loop share one fetch."""

from __future__ import annotations

import asyncio

import pytest

from adapters.cache.redis_batch import Coalesced


class Source:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.failure: Exception | None = None
        self.release = asyncio.Event()
        self.release.set()

    async def fetch(self, items: list[str]) -> list[str]:
        self.batches.append(items)
        await self.release.wait()
        if self.failure is not None:
            raise self.failure
        return [item.upper() for item in items]


async def test_calls_of_one_turn_share_one_fetch_and_each_gets_its_own_answer() -> None:
    source = Source()
    batched = Coalesced(source.fetch)

    answers = await asyncio.gather(*(batched.get(item) for item in ["a", "b", "a", "c"]))

    assert answers == ["A", "B", "A", "C"]
    assert source.batches == [["a", "b", "a", "c"]]


async def test_a_call_made_after_a_batch_was_sent_goes_in_the_next_one() -> None:
    source = Source()
    source.release.clear()
    batched = Coalesced(source.fetch)
    first = asyncio.ensure_future(batched.get("a"))
    while not source.batches:  # the first batch is on its way
        await asyncio.sleep(0)

    second = asyncio.ensure_future(batched.get("b"))
    source.release.set()

    assert await asyncio.gather(first, second) == ["A", "B"]
    assert source.batches == [["a"], ["b"]]


async def test_a_failed_fetch_fails_every_call_of_its_batch_and_no_later_one() -> None:
    source = Source()
    batched = Coalesced(source.fetch)
    source.failure = RuntimeError("down")

    answers = await asyncio.gather(batched.get("a"), batched.get("b"), return_exceptions=True)
    assert [type(answer) for answer in answers] == [RuntimeError, RuntimeError]

    source.failure = None
    assert await batched.get("c") == "C"


async def test_a_cancelled_caller_leaves_the_others_their_answers() -> None:
    source = Source()
    source.release.clear()
    batched = Coalesced(source.fetch)
    leaving = asyncio.ensure_future(batched.get("a"))
    staying = asyncio.ensure_future(batched.get("b"))
    while not source.batches:
        await asyncio.sleep(0)

    leaving.cancel()
    source.release.set()

    assert await staying == "B"
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_fetch_that_answers_the_wrong_count_fails_its_callers_instead_of_hanging() -> None:
    async def short(items: list[str]) -> list[str]:
        return items[:1]

    batched = Coalesced(short)

    answers = await asyncio.gather(batched.get("a"), batched.get("b"), return_exceptions=True)

    assert [type(answer) for answer in answers] == [ValueError, ValueError]
