"""The http payment adapter against a provider that fails, is slow, or is down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from adapters.ordering.payments.fake import APPROVE
from adapters.ordering.payments.http import HttpPaymentGateway
from domain.ordering.errors import PaymentRejected, PaymentUnavailable
from domain.shared.money import Money
from tests.support.ordering.payment_provider import (
    PATIENCE,
    LoopbackProvider,
    loopback_provider,
)
from tests.support.servers import free_port

T = TypeVar("T")
TEN = Money.of("10.00", "EUR")


@pytest.fixture
def provider() -> Iterator[LoopbackProvider]:
    with loopback_provider() as running:
        yield running


def gateway(url: str, **options: object) -> HttpPaymentGateway:
    settings: dict[str, object] = {"timeout": PATIENCE, "attempts": 3, "backoff_initial": 0.01}
    settings.update(options)
    return HttpPaymentGateway(url, **settings)  # type: ignore[arg-type]


async def test_failures_are_retried_and_charge_once(provider: LoopbackProvider) -> None:
    provider.fail_next = 2
    http = gateway(provider.url)

    result = await http.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k")

    assert result.approved
    assert (provider.requests, provider.approved_charges) == (3, 1)
    await http.close()


async def test_a_slow_answer_is_retried_with_the_same_key_and_charges_once(
    provider: LoopbackProvider,
) -> None:
    # Charged, but answered after the client gave up; the retry's answer must come in time,
    # so the client waits 2 s (0.3 s can run out at load) and the slow answer is held 4 s.
    provider.slow_next, provider.slow_seconds = 1, 4.0
    http = gateway(provider.url, timeout=2.0)

    result = await http.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k")

    assert result.approved
    assert provider.requests == 2
    assert provider.approved_charges == 1
    await http.close()


async def test_spent_retries_answer_unavailable_with_the_providers_retry_after(
    provider: LoopbackProvider,
) -> None:
    provider.fail_next = 10
    http = gateway(provider.url, attempts=2)

    with pytest.raises(PaymentUnavailable) as caught:
        await http.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k")

    assert caught.value.retry_after == 1.0
    assert (provider.requests, provider.approved_charges) == (2, 0)
    await http.close()


async def test_a_provider_that_is_down_is_unavailable() -> None:
    http = gateway(f"http://127.0.0.1:{free_port()}", attempts=2)
    with pytest.raises(PaymentUnavailable):
        await http.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k")
    await http.close()


async def test_a_refused_request_is_not_retried(provider: LoopbackProvider) -> None:
    http = gateway(provider.url)
    with pytest.raises(PaymentRejected):
        await http.refund(authorization="nope", amount=TEN, idempotency_key="r")
    assert provider.requests == 1
    await http.close()


async def test_the_guard_wraps_each_operation_and_may_refuse(provider: LoopbackProvider) -> None:
    calls: list[str] = []

    async def counting(operation: Callable[[], Awaitable[T]]) -> T:
        calls.append("through")
        return await operation()

    async def open_breaker(operation: Callable[[], Awaitable[T]]) -> T:
        raise PaymentUnavailable("the circuit is open", retry_after=30)

    provider.fail_next = 1
    guarded = gateway(provider.url, guard=counting)
    assert (
        await guarded.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k")
    ).approved
    assert calls == ["through"]  # one operation, whatever its retries
    refused = gateway(provider.url, guard=open_breaker)
    with pytest.raises(PaymentUnavailable, match="open"):
        await refused.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k2")
    assert provider.requests == 2
    await guarded.close()
    await refused.close()
