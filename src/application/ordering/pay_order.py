"""PayOrder: charge the order's total through the PaymentGateway, record OrderPaid or
PaymentFailed.

The provider is called outside any transaction (no lock is held while it answers). The
idempotency key is the order's stream and version: a repeated request for the same state of the
order reuses the key, so the provider charges once; after a decline the version has moved on,
so the next attempt (another card) gets a new key. If the order changed while the provider
answered, the append conflicts and the handler decides again on the new state: still placed, it
records the same authorization; already paid with this very authorization (a twin request won),
it answers the same; otherwise (cancelled meanwhile) it refunds the authorization and refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.ordering.payments import Authorization, PaymentGateway
from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.results import PaymentOutcome
from application.ordering.streams import load_order, save_order
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.ordering.errors import TransitionNotAllowed
from domain.ordering.order import Order, stream_of
from domain.shared.errors import ConcurrentUpdate, InvalidValue
from domain.shared.money import Money
from domain.shared.tenant import Tenant

TOKEN_MAX = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class PayOrder:
    tenant: Tenant
    order_id: UUID
    payment_token: str
    customer_id: UUID | None = None


class PayOrderHandler:
    def __init__(
        self,
        uow: OrderingUnitOfWorkFactory,
        payments: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        *,
        attempts: int = 3,
    ) -> None:
        self._uow = uow
        self._payments = payments
        self._clock = clock
        self._ids = ids
        self._attempts = attempts

    async def __call__(self, command: PayOrder) -> PaymentOutcome:
        token = command.payment_token.strip()
        if not token or len(token) > TOKEN_MAX:
            raise InvalidValue("payment_token", f"must be 1 to {TOKEN_MAX} characters")
        async with self._uow(read_only=True) as uow:
            order = await load_order(
                uow.events, command.tenant, command.order_id, command.customer_id
            )
        order.ensure_payable()
        assert order.total is not None
        key = f"{stream_of(order.id)}-v{order.version}-payment"
        authorization = await self._payments.authorize(
            payment_token=token, amount=order.total, idempotency_key=key
        )
        for remaining in range(self._attempts - 1, -1, -1):
            try:
                return await self._record(command, authorization, order.version)
            except ConcurrentUpdate:
                if remaining == 0:
                    await self._void(authorization, order.total, key)
                    raise
            except TransitionNotAllowed:
                await self._void(authorization, order.total, key)
                raise
        raise ValueError("attempts must be at least 1")

    async def _record(
        self, command: PayOrder, authorization: Authorization, charged_at: int
    ) -> PaymentOutcome:
        async with self._uow() as uow:
            order = await load_order(uow.events, command.tenant, command.order_id)
            if _already_recorded(order, authorization):
                return _outcome(order, authorization)
            if not authorization.approved and order.version != charged_at:
                # The order moved on since this attempt (a twin request recorded this very
                # decline, or something else happened): a decline is not recorded twice.
                return _outcome(order, authorization)
            now = self._clock.now()
            if authorization.approved and authorization.reference:
                order.pay(payment_reference=authorization.reference, now=now)
            else:
                order.fail_payment(reason=authorization.decline_reason or "declined", now=now)
            await save_order(uow, order, self._ids)
            await uow.commit()
        return _outcome(order, authorization)

    async def _void(self, authorization: Authorization, amount: Money, key: str) -> None:
        """Give back a charge that could not be recorded against the order."""
        if authorization.approved and authorization.reference:
            await self._payments.refund(
                authorization=authorization.reference, amount=amount, idempotency_key=f"{key}-void"
            )


def _already_recorded(order: Order, authorization: Authorization) -> bool:
    return (
        authorization.approved
        and order.payment_reference is not None
        and order.payment_reference == authorization.reference
    )


def _outcome(order: Order, authorization: Authorization) -> PaymentOutcome:
    return PaymentOutcome(
        order_id=order.id,
        version=order.version,
        status=str(order.status),
        approved=authorization.approved,
        decline_reason=authorization.decline_reason,
    )
