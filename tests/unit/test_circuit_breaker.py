"""CircuitBreaker: closed -> open after repeated failures, half-open probe, closed on recovery."""

from __future__ import annotations

import asyncio

import pytest

from adapters.resilience.circuit_breaker import CircuitBreaker, CircuitOpen, State


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Flaky(Exception):
    """A failure of the guarded call, which the breaker counts."""


async def ok() -> str:
    return "ok"


async def fail() -> str:
    raise Flaky


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def changes() -> list[tuple[State, State]]:
    return []


@pytest.fixture
def breaker(clock: FakeClock, changes: list[tuple[State, State]]) -> CircuitBreaker:
    return CircuitBreaker(
        "test",
        failure_threshold=3,
        reset_timeout=5.0,
        failure_types=(Flaky,),
        clock=clock,
        on_change=lambda _, before, after: changes.append((before, after)),
    )


async def trip(breaker: CircuitBreaker) -> None:
    for _ in range(breaker.failure_threshold):
        with pytest.raises(Flaky):
            await breaker.call(fail)


async def test_a_closed_circuit_passes_calls_and_their_results(breaker: CircuitBreaker) -> None:
    assert await breaker.call(ok) == "ok"
    assert breaker.state == "closed"


async def test_failures_below_the_threshold_keep_it_closed(breaker: CircuitBreaker) -> None:
    for _ in range(2):
        with pytest.raises(Flaky):
            await breaker.call(fail)
    assert breaker.state == "closed"
    assert breaker.failures == 2


async def test_a_success_resets_the_count_of_failures(breaker: CircuitBreaker) -> None:
    for _ in range(2):
        with pytest.raises(Flaky):
            await breaker.call(fail)
    await breaker.call(ok)
    with pytest.raises(Flaky):
        await breaker.call(fail)
    assert breaker.state == "closed"


async def test_the_threshold_of_failures_in_a_row_opens_it(
    breaker: CircuitBreaker, changes: list[tuple[State, State]]
) -> None:
    await trip(breaker)

    assert breaker.state == "open"
    assert changes == [("closed", "open")]


async def test_an_open_circuit_fails_fast_without_calling(breaker: CircuitBreaker) -> None:
    await trip(breaker)
    called = False

    async def spy() -> str:
        nonlocal called
        called = True
        return "ok"

    with pytest.raises(CircuitOpen):
        await breaker.call(spy)
    assert called is False
    assert breaker.allows_calls() is False


async def test_after_the_reset_timeout_one_probe_succeeds_and_closes_it(
    breaker: CircuitBreaker, clock: FakeClock, changes: list[tuple[State, State]]
) -> None:
    await trip(breaker)
    clock.now += 5.0
    assert breaker.allows_calls() is True

    assert await breaker.call(ok) == "ok"

    assert breaker.state == "closed"
    assert changes == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


async def test_a_failed_probe_opens_it_for_another_timeout(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    await trip(breaker)
    clock.now += 5.0

    with pytest.raises(Flaky):
        await breaker.call(fail)

    assert breaker.state == "open"
    clock.now += 4.9
    with pytest.raises(CircuitOpen):
        await breaker.call(ok)
    clock.now += 0.1
    assert await breaker.call(ok) == "ok"


async def test_half_open_lets_only_one_probe_through_at_a_time(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    await trip(breaker)
    clock.now += 5.0
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "probe"

    probe = asyncio.create_task(breaker.call(slow))
    await asyncio.sleep(0)
    assert breaker.state == "half_open"
    with pytest.raises(CircuitOpen):
        await breaker.call(ok)
    release.set()

    assert await probe == "probe"
    assert breaker.state == "closed"


async def test_other_exceptions_pass_through_without_a_verdict(breaker: CircuitBreaker) -> None:
    async def bug() -> str:
        raise KeyError("not a dependency failure")

    for _ in range(5):
        with pytest.raises(KeyError):
            await breaker.call(bug)
    assert breaker.state == "closed"
    assert breaker.failures == 0


async def test_a_cancelled_probe_frees_the_probe_slot(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    await trip(breaker)
    clock.now += 5.0

    async def hang() -> str:
        await asyncio.sleep(3600)
        return "never"

    probe = asyncio.create_task(breaker.call(hang))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe

    assert await breaker.call(ok) == "ok"
    assert breaker.state == "closed"


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("x", failure_threshold=0)
    with pytest.raises(ValueError, match="reset_timeout"):
        CircuitBreaker("x", reset_timeout=0)


async def test_retry_after_counts_down_to_the_next_probe(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    assert breaker.retry_after() == 0
    await trip(breaker)
    assert breaker.retry_after() == 5.0
    clock.now += 3.5
    assert breaker.retry_after() == 1.5
    clock.now += 2
    assert breaker.retry_after() == 0
