"""retry_on_conflict: bounded, and only for concurrency conflicts."""

from __future__ import annotations

import pytest

from application.shared.retry import RetriedOnConflict, retry_on_conflict
from domain.shared.errors import ConcurrentUpdate, Conflict


async def test_a_conflict_is_retried_until_an_attempt_succeeds() -> None:
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConcurrentUpdate("someone else wrote first")
        return "done"

    assert await retry_on_conflict(attempt, attempts=3) == "done"
    assert calls == 3


async def test_retries_are_bounded_and_other_errors_are_not_retried() -> None:
    calls = 0

    async def always_conflicts() -> None:
        nonlocal calls
        calls += 1
        raise ConcurrentUpdate("again")

    async def refuses() -> None:
        nonlocal calls
        calls += 1
        raise Conflict("not allowed")

    with pytest.raises(ConcurrentUpdate):
        await retry_on_conflict(always_conflicts, attempts=2)
    assert calls == 2
    calls = 0
    with pytest.raises(Conflict):
        await retry_on_conflict(refuses, attempts=5)
    assert calls == 1


async def test_a_handler_composed_with_retries_is_rerun_with_the_same_command() -> None:
    seen: list[str] = []

    async def handler(command: str) -> str:
        seen.append(command)
        if len(seen) < 3:
            raise ConcurrentUpdate("another writer")
        return f"done {command}"

    assert await RetriedOnConflict(handler, attempts=3)("ship") == "done ship"
    assert seen == ["ship", "ship", "ship"]


async def test_a_composed_handler_gives_up_after_its_attempts() -> None:
    calls = 0

    async def always_conflicts(command: str) -> str:
        nonlocal calls
        calls += 1
        raise ConcurrentUpdate("another writer")

    with pytest.raises(ConcurrentUpdate):
        await RetriedOnConflict(always_conflicts, attempts=2)("ship")
    assert calls == 2
