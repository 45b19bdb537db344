"""The circuit breaker around the http payment gateway, against a loopback provider that is
down, slow or flapping: the breaker opens, nothing is charged twice, and it recovers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from adapters.ordering.payments.breaker import PaymentBreaker, payment_breaker
from adapters.ordering.payments.fake import APPROVE
from adapters.ordering.payments.http import HttpPaymentGateway
from domain.ordering.errors import PaymentRejected, PaymentUnavailable
from domain.shared.money import Money
from tests.support.ordering.payment_provider import (
    PATIENCE,
    LoopbackProvider,
    loopback_provider,
)

TEN = Money.of("10.00", "EUR")


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Iterator[LoopbackProvider]:
    with loopback_provider() as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def guarded(
    url: str, clock: ManualClock, *, failures: int = 2
) -> tuple[HttpPaymentGateway, PaymentBreaker]:
    guard = PaymentBreaker(
        payment_breaker(failure_threshold=failures, reset_timeout=5, clock=clock)
    )
    return through(url, guard, timeout=PATIENCE), guard


def through(url: str, guard: PaymentBreaker, *, timeout: float) -> HttpPaymentGateway:
    """A gateway behind `guard` (another process's, or one with another timeout)."""
    return HttpPaymentGateway(url, timeout=timeout, attempts=2, backoff_initial=0.01, guard=guard)


async def pay(gateway: HttpPaymentGateway, key: str) -> bool:
    result = await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key=key)
    return result.approved


async def test_a_provider_that_goes_down_opens_the_breaker_then_it_recovers(
    provider: LoopbackProvider, clock: ManualClock
) -> None:
    port = int(provider.url.rsplit(":", 1)[1])
    gateway, guard = guarded(provider.url, clock)
    assert await pay(gateway, "before")
    provider.stop()

    for key in ("a", "b"):
        with pytest.raises(PaymentUnavailable):
            await pay(gateway, key)
    assert guard.state == "open"

    requests = provider.requests
    with pytest.raises(PaymentUnavailable) as refused:
        await pay(gateway, "c")
    assert refused.value.retry_after == 5
    assert provider.requests == requests  # fail fast: the provider was not called

    provider.start(port)
    clock.now += 5
    assert await pay(gateway, "a")  # the probe succeeds and closes the circuit
    assert guard.state == "closed"
    assert await pay(gateway, "b")
    assert provider.approved_charges == 3
    await gateway.close()


async def test_a_slow_provider_opens_the_breaker_and_charges_once(
    provider: LoopbackProvider, clock: ManualClock
) -> None:
    # Each answer comes too late: the provider charges, the client times out and retries. The
    # answers are held twice the client's timeout, so it gives up first however slow the machine.
    provider.slow_next, provider.slow_seconds = 4, 0.6
    patient, guard = guarded(provider.url, clock)
    gateway = through(provider.url, guard, timeout=0.3)

    for _ in range(2):
        with pytest.raises(PaymentUnavailable):
            await pay(gateway, "order-1-v1-payment")
    assert guard.state == "open"
    # Four attempts were sent; a loaded provider may read the last after the client gave up.
    async with asyncio.timeout(PATIENCE):
        while provider.requests < 4:
            await asyncio.sleep(0.01)
    with pytest.raises(PaymentUnavailable):
        await pay(gateway, "order-1-v1-payment")
    assert provider.requests == 4  # the open breaker did not call the provider

    clock.now += 5
    assert await pay(patient, "order-1-v1-payment")  # an answer in time, on any machine
    # Five requests, one key: the provider charged once and answered the same charge again.
    assert provider.approved_charges == 1
    assert guard.state == "closed"
    await gateway.close()
    await patient.close()


async def test_a_flapping_provider_opens_only_on_failures_in_a_row(
    provider: LoopbackProvider, clock: ManualClock
) -> None:
    gateway, guard = guarded(provider.url, clock)

    for key in ("a", "b", "c"):
        provider.fail_next = 2  # both attempts of this payment fail
        with pytest.raises(PaymentUnavailable):
            await pay(gateway, key)
        provider.fail_next = 1  # the retry of this one succeeds
        assert await pay(gateway, key)
    assert guard.state == "closed"

    provider.fail_next = 4
    for key in ("d", "e"):
        with pytest.raises(PaymentUnavailable):
            await pay(gateway, key)
    assert guard.state == "open"

    clock.now += 5
    provider.fail_next = 2  # the probe fails: open again for another reset period
    with pytest.raises(PaymentUnavailable):
        await pay(gateway, "d")
    assert guard.state == "open"
    with pytest.raises(PaymentUnavailable):
        await pay(gateway, "d")

    clock.now += 5
    assert await pay(gateway, "d")
    assert guard.state == "closed"
    assert provider.approved_charges == 4
    await gateway.close()


async def test_refusals_and_declines_do_not_count_as_failures(
    provider: LoopbackProvider, clock: ManualClock
) -> None:
    gateway, guard = guarded(provider.url, clock, failures=1)
    declined = await gateway.authorize(payment_token="tok_decline", amount=TEN, idempotency_key="x")
    assert not declined.approved
    with pytest.raises(PaymentRejected):
        await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="x")
    assert guard.state == "closed"
    await gateway.close()
