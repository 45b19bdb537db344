"""FakePaymentGateway: a deterministic provider in the process, for development and tests.

Test card tokens (the same ones the loopback provider of the http tests understands):

| token                      | authorize answers                                   |
| -------------------------- | --------------------------------------------------- |
| `tok_approve`              | approved                                            |
| `tok_decline`              | declined: "card declined"                           |
| `tok_insufficient_funds`   | declined: "insufficient funds"                      |
| `tok_timeout`              | raises PaymentUnavailable (the provider timed out)  |
| anything else              | declined: "unknown card token"                      |

Idempotency as a real provider: a key seen before returns the first answer; a key reused with a
different request is refused (PaymentRejected). Refunds need an approved authorization and
never exceed what it charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from application.ordering.payments import Authorization, PaymentGateway, Refund
from domain.ordering.errors import PaymentRejected, PaymentUnavailable
from domain.shared.money import Money

APPROVE = "tok_approve"
DECLINE = "tok_decline"
INSUFFICIENT_FUNDS = "tok_insufficient_funds"
TIMEOUT = "tok_timeout"
A = TypeVar("A")
_DECLINES = {DECLINE: "card declined", INSUFFICIENT_FUNDS: "insufficient funds"}


@dataclass
class _Charge:
    amount: Money
    refunded: Decimal


class FakePaymentGateway(PaymentGateway):
    def __init__(self) -> None:
        self._authorizations: dict[str, tuple[tuple[str, Money], Authorization]] = {}
        self._refunds: dict[str, tuple[tuple[str, Money], Refund]] = {}
        self._charges: dict[str, _Charge] = {}

    async def authorize(
        self, *, payment_token: str, amount: Money, idempotency_key: str
    ) -> Authorization:
        request = (payment_token, amount)
        if idempotency_key in self._authorizations:
            return _replay(self._authorizations[idempotency_key], request)
        if payment_token == TIMEOUT:
            raise PaymentUnavailable("the payment provider did not answer in time")
        if payment_token == APPROVE:
            reference = f"fake-auth-{len(self._charges) + 1}"
            self._charges[reference] = _Charge(amount, Decimal("0.00"))
            answer = Authorization(approved=True, reference=reference)
        else:
            reason = _DECLINES.get(payment_token, "unknown card token")
            answer = Authorization(approved=False, decline_reason=reason)
        self._authorizations[idempotency_key] = (request, answer)
        return answer

    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        request = (authorization, amount)
        if idempotency_key in self._refunds:
            return _replay(self._refunds[idempotency_key], request)
        charge = self._charges.get(authorization)
        if charge is None:
            raise PaymentRejected(f"no approved authorization {authorization}")
        if amount.currency != charge.amount.currency:
            raise PaymentRejected("a refund is made in the currency of its charge")
        if charge.refunded + amount.amount > charge.amount.amount:
            raise PaymentRejected(f"refunds would exceed the {charge.amount} charged")
        charge.refunded += amount.amount
        answer = Refund(reference=f"fake-refund-{len(self._refunds) + 1}")
        self._refunds[idempotency_key] = (request, answer)
        return answer


def _replay(stored: tuple[tuple[str, Money], A], request: tuple[str, Money]) -> A:
    first_request, answer = stored
    if first_request != request:
        raise PaymentRejected("this idempotency key was used for another request")
    return answer
