"""Ordering's published events: the six order events, as `ordering.<Name>` version 1.

These payloads are a contract with other contexts (notifications, and whatever a fork adds):
add fields freely, but removing or changing one needs a new version number. Money travels as a
decimal string with its currency. Every payload names the order; only OrderPlaced names the
customer (a consumer that needs it for a later event reads the order's stream).
"""

from __future__ import annotations

from typing import Any

from application.messaging.registry import EventRegistry
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import total_of
from domain.shared.money import Money

CONTEXT = "ordering"


def _money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def _placed(event: OrderPlaced) -> dict[str, Any]:
    return {
        "order_id": str(event.aggregate_id),
        "customer_id": str(event.customer_id),
        "lines": [
            {
                "product_id": str(line.product_id),
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
            }
            for line in event.lines
        ],
        "total": _money(total_of(event.lines)),
    }


def _paid(event: OrderPaid) -> dict[str, Any]:
    return {
        "order_id": str(event.aggregate_id),
        "payment_reference": event.payment_reference,
        "amount": _money(event.amount),
    }


def _payment_failed(event: PaymentFailed) -> dict[str, Any]:
    return {"order_id": str(event.aggregate_id), "reason": event.reason}


def _shipped(event: OrderShipped) -> dict[str, Any]:
    return {"order_id": str(event.aggregate_id)}


def _cancelled(event: OrderCancelled) -> dict[str, Any]:
    return {"order_id": str(event.aggregate_id), "reason": event.reason}


def _refunded(event: OrderRefunded) -> dict[str, Any]:
    return {
        "order_id": str(event.aggregate_id),
        "refund_reference": event.refund_reference,
        "amount": _money(event.amount),
    }


def register_ordering_events(registry: EventRegistry) -> EventRegistry:
    registry.register(OrderPlaced, f"{CONTEXT}.OrderPlaced", 1, _placed)
    registry.register(OrderPaid, f"{CONTEXT}.OrderPaid", 1, _paid)
    registry.register(PaymentFailed, f"{CONTEXT}.PaymentFailed", 1, _payment_failed)
    registry.register(OrderShipped, f"{CONTEXT}.OrderShipped", 1, _shipped)
    registry.register(OrderCancelled, f"{CONTEXT}.OrderCancelled", 1, _cancelled)
    registry.register(OrderRefunded, f"{CONTEXT}.OrderRefunded", 1, _refunded)
    return registry
