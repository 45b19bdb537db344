"""CountedPaymentGateway: each call to the payment provider counted by its outcome.

ok (approved, refunded), declined (a card decline: an answer), rejected (the provider refused
the request as malformed), error (the provider could not be reached or answer in time, retries
spent), breaker_open (refused at once by the open circuit: nothing was sent). The counts go to a
`PaymentCounts` (metrics, with metrics on).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from adapters.ordering.payments.breaker import PaymentsPaused
from application.ordering.payments import Authorization, PaymentGateway, Refund
from domain.ordering.errors import PaymentRejected
from domain.shared.money import Money

T = TypeVar("T")


class PaymentCounts(Protocol):
    def payment_called(self, operation: str, outcome: str) -> None: ...


class CountedPaymentGateway(PaymentGateway):
    def __init__(self, gateway: PaymentGateway, counts: PaymentCounts) -> None:
        self._gateway = gateway
        self._counts = counts

    async def authorize(
        self, *, payment_token: str, amount: Money, idempotency_key: str
    ) -> Authorization:
        authorization = await self._counted(
            "authorize",
            lambda: self._gateway.authorize(
                payment_token=payment_token, amount=amount, idempotency_key=idempotency_key
            ),
        )
        self._counts.payment_called("authorize", "ok" if authorization.approved else "declined")
        return authorization

    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        refund = await self._counted(
            "refund",
            lambda: self._gateway.refund(
                authorization=authorization, amount=amount, idempotency_key=idempotency_key
            ),
        )
        self._counts.payment_called("refund", "ok")
        return refund

    async def _counted(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        """The call; its failures counted here, its answers by the caller (they differ)."""
        try:
            return await call()
        except PaymentsPaused:
            self._counts.payment_called(operation, "breaker_open")
            raise
        except PaymentRejected:
            self._counts.payment_called(operation, "rejected")
            raise
        except Exception:  # PaymentUnavailable, or anything the gateway did not expect
            self._counts.payment_called(operation, "error")
            raise

    async def close(self) -> None:
        close = getattr(self._gateway, "close", None)
        if close is not None:
            await close()
