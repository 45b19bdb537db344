"""How order events change the read models: pure folds, one per projection.

`fold(row, event, version)` returns the row after the event (`version` is the event's place in
its stream, which the row keeps so readers can wait for their own writes).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from application.ordering.read_models import OrderDetails, OrderSummary
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import total_of
from domain.ordering.order import OrderStatus
from domain.shared.events import DomainEvent

R = TypeVar("R", OrderSummary, OrderDetails)


def fold_details(row: OrderDetails | None, event: DomainEvent, version: int) -> OrderDetails | None:
    at = event.occurred_at
    if isinstance(event, OrderPlaced):
        return OrderDetails(
            order_id=event.aggregate_id,
            organisation_id=event.organisation_id,
            customer_id=event.customer_id,
            status=OrderStatus.PLACED,
            total=total_of(event.lines),
            lines=event.lines,
            payment_attempts=0,
            payment_reference=None,
            last_payment_failure=None,
            cancel_reason=None,
            refund_reference=None,
            placed_at=at,
            paid_at=None,
            shipped_at=None,
            cancelled_at=None,
            refunded_at=None,
            updated_at=at,
            version=version,
        )
    if row is None:
        return None
    match event:
        case OrderPaid():
            row = replace(
                row,
                status=OrderStatus.PAID,
                payment_reference=event.payment_reference,
                payment_attempts=row.payment_attempts + 1,
                paid_at=at,
            )
        case PaymentFailed():
            row = replace(
                row, payment_attempts=row.payment_attempts + 1, last_payment_failure=event.reason
            )
        case OrderShipped():
            row = replace(row, status=OrderStatus.SHIPPED, shipped_at=at)
        case OrderCancelled():
            row = replace(
                row, status=OrderStatus.CANCELLED, cancel_reason=event.reason, cancelled_at=at
            )
        case OrderRefunded():
            row = replace(row, refund_reference=event.refund_reference, refunded_at=at)
    return replace(row, updated_at=at, version=version)


def fold_summary(row: OrderSummary | None, event: DomainEvent, version: int) -> OrderSummary | None:
    at = event.occurred_at
    if isinstance(event, OrderPlaced):
        return OrderSummary(
            order_id=event.aggregate_id,
            organisation_id=event.organisation_id,
            customer_id=event.customer_id,
            status=OrderStatus.PLACED,
            total=total_of(event.lines),
            item_count=sum(line.quantity for line in event.lines),
            placed_at=at,
            updated_at=at,
            version=version,
        )
    if row is None:
        return None
    status = {
        OrderPaid: OrderStatus.PAID,
        OrderShipped: OrderStatus.SHIPPED,
        OrderCancelled: OrderStatus.CANCELLED,
    }.get(type(event), row.status)
    return replace(row, status=str(status), updated_at=at, version=version)
