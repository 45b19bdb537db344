"""TracedPaymentGateway: a span around each call to the payment provider, whichever gateway.

The http gateway's requests get httpx's own client spans inside it (one per attempt); this span
is the call as the order sees it, with its outcome.
"""

from __future__ import annotations

from application.ordering.payments import Authorization, PaymentGateway, Refund
from application.shared.ports.tracing import Tracing
from domain.shared.money import Money


class TracedPaymentGateway(PaymentGateway):
    def __init__(self, gateway: PaymentGateway, tracing: Tracing) -> None:
        self._gateway = gateway
        self._tracing = tracing

    async def authorize(
        self, *, payment_token: str, amount: Money, idempotency_key: str
    ) -> Authorization:
        attributes = {"payment.currency": str(amount.currency)}
        with self._tracing.span("payment authorize", kind="client", attributes=attributes):
            return await self._gateway.authorize(
                payment_token=payment_token, amount=amount, idempotency_key=idempotency_key
            )

    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        attributes = {"payment.currency": str(amount.currency)}
        with self._tracing.span("payment refund", kind="client", attributes=attributes):
            return await self._gateway.refund(
                authorization=authorization, amount=amount, idempotency_key=idempotency_key
            )

    async def close(self) -> None:
        close = getattr(self._gateway, "close", None)
        if close is not None:
            await close()
