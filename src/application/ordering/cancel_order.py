"""CancelOrder: cancel a placed or paid order, put its stock back, refund what was paid.

Two steps, in this order on purpose. First the cancellation and the stock release commit
together (so the order can no longer ship). Then, if it was paid, the provider refunds it (with
an idempotency key derived from the order, so it refunds once) and OrderRefunded is recorded.
If the provider is down, the order stays cancelled with its refund due, PaymentUnavailable
propagates, and running CancelOrder again finishes the refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.ordering.payments import PaymentGateway
from application.ordering.ports import OrderingUnitOfWorkFactory
from application.ordering.results import OrderChanged
from application.ordering.streams import load_order, save_order
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from application.shared.retry import retry_on_conflict
from domain.ordering.order import Order, OrderStatus, stream_of
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    # The request's organisation: another's order is not found (its catalog gets the stock back).
    tenant: Tenant
    order_id: UUID
    reason: str = ""
    # Set when a customer cancels: another customer's order is then not found.
    customer_id: UUID | None = None


class CancelOrderHandler:
    """Retries each of its two units of work itself, not the whole command: the refund between
    them is a call to the provider that a rerun must not repeat."""

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

    async def __call__(self, command: CancelOrder) -> OrderChanged:
        order = await retry_on_conflict(lambda: self._cancel(command), attempts=self._attempts)
        if not order.refund_due:
            return OrderChanged(order.id, order.version, str(order.status))
        assert order.payment_reference is not None
        assert order.total is not None
        refund = await self._payments.refund(
            authorization=order.payment_reference,
            amount=order.total,
            idempotency_key=f"{stream_of(order.id)}-refund",
        )

        async def record_refund() -> OrderChanged:
            async with self._uow() as uow:
                current = await load_order(uow.events, command.tenant, command.order_id)
                if current.refund_due:
                    current.refund(refund_reference=refund.reference, now=self._clock.now())
                    await save_order(uow, current, self._ids)
                    await uow.commit()
            return OrderChanged(current.id, current.version, str(current.status))

        return await retry_on_conflict(record_refund, attempts=self._attempts)

    async def _cancel(self, command: CancelOrder) -> Order:
        async with self._uow() as uow:
            order = await load_order(
                uow.events, command.tenant, command.order_id, command.customer_id
            )
            if order.status is OrderStatus.CANCELLED and order.refund_due:
                return order  # cancelled before, refund still owed: finish it
            now = self._clock.now()
            order.cancel(reason=command.reason, now=now)
            for line in sorted(order.lines, key=lambda line: line.product_id):
                await uow.stock.put_back(
                    command.tenant,
                    line.product_id,
                    line.quantity,
                    reason=f"order {order.id} cancelled",
                    now=now,
                )
            await save_order(uow, order, self._ids)
            await uow.commit()
        return order
