"""ONE contract for PaymentGateway, run on the fake and on the http adapter (against a
provider on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.ordering.payments.fake import (
    APPROVE,
    DECLINE,
    INSUFFICIENT_FUNDS,
    TIMEOUT,
    FakePaymentGateway,
)
from adapters.ordering.payments.http import HttpPaymentGateway  # [adapter:http-payments]
from application.ordering.payments import PaymentGateway
from domain.ordering.errors import PaymentRejected, PaymentUnavailable
from domain.shared.money import Money

# [adapter:http-payments begin]
from tests.support.ordering.payment_provider import TIMEOUT_TOKEN_SECONDS, loopback_provider

# [adapter:http-payments end]

TEN = Money.of("10.00", "EUR")


@pytest.fixture(
    params=[
        "fake",
        "http",  # [adapter:http-payments]
    ]
)
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[PaymentGateway]:
    if request.param == "fake":
        yield FakePaymentGateway()
        return
    # [adapter:http-payments begin]
    with loopback_provider() as provider:
        # The timeout token's answer comes after TIMEOUT_TOKEN_SECONDS, past this timeout on any
        # machine; any other answer has this long, twice (0.3 s can run short at load).
        timeout = TIMEOUT_TOKEN_SECONDS / 1.5
        http = HttpPaymentGateway(provider.url, timeout=timeout, attempts=2, backoff_initial=0.01)
        try:
            yield http
        finally:
            await http.close()
    # [adapter:http-payments end]


async def test_an_approved_authorization_has_a_reference(gateway: PaymentGateway) -> None:
    result = await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k1")
    assert result.approved
    assert result.reference
    assert result.decline_reason is None


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (DECLINE, "card declined"),
        (INSUFFICIENT_FUNDS, "insufficient funds"),
        ("tok_nonsense", "unknown card token"),
    ],
)
async def test_declines_are_answers_with_a_reason(
    gateway: PaymentGateway, token: str, reason: str
) -> None:
    result = await gateway.authorize(payment_token=token, amount=TEN, idempotency_key="k1")
    assert (result.approved, result.reference, result.decline_reason) == (False, None, reason)


async def test_a_timeout_token_makes_the_provider_unavailable(gateway: PaymentGateway) -> None:
    with pytest.raises(PaymentUnavailable):
        await gateway.authorize(payment_token=TIMEOUT, amount=TEN, idempotency_key="k1")


async def test_one_key_charges_once_and_replays_the_first_answer(
    gateway: PaymentGateway,
) -> None:
    first = await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k1")
    again = await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k1")
    other = await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k2")

    assert again == first
    assert other.reference != first.reference
    with pytest.raises(PaymentRejected):
        await gateway.authorize(
            payment_token=APPROVE, amount=Money.of("11.00", "EUR"), idempotency_key="k1"
        )


async def test_refunds_are_idempotent_and_bounded_by_the_charge(gateway: PaymentGateway) -> None:
    charge = await gateway.authorize(payment_token=APPROVE, amount=TEN, idempotency_key="k1")
    assert charge.reference is not None
    half = Money.of("5.00", "EUR")

    first = await gateway.refund(authorization=charge.reference, amount=half, idempotency_key="r1")
    replay = await gateway.refund(authorization=charge.reference, amount=half, idempotency_key="r1")
    second = await gateway.refund(authorization=charge.reference, amount=half, idempotency_key="r2")

    assert replay == first
    assert second.reference != first.reference
    with pytest.raises(PaymentRejected):
        await gateway.refund(
            authorization=charge.reference, amount=Money.of("0.01", "EUR"), idempotency_key="r3"
        )
    with pytest.raises(PaymentRejected):
        await gateway.refund(authorization="no-such-charge", amount=half, idempotency_key="r4")
