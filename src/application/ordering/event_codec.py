"""How order events are stored: their names, schema versions, payloads, and upcasters.

History of the schemas (stored events are never rewritten; old versions are upcast on read):
- OrderPlaced v1 kept each line's price as one text, "12.50 EUR". v2 (current) stores
  `currency` once for the order and `unit_price` as the amount alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from application.shared.event_codec import EventCodec
from application.shared.ports.event_store import Payload
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import OrderLine
from domain.shared.money import Money


def _placed(event: OrderPlaced) -> dict[str, Any]:
    return {
        "order_id": str(event.aggregate_id),
        "customer_id": str(event.customer_id),
        "currency": event.lines[0].unit_price.currency,
        "lines": [
            {
                "product_id": str(line.product_id),
                "quantity": line.quantity,
                "unit_price": str(line.unit_price.amount),
            }
            for line in event.lines
        ],
    }


def _placed_from(payload: Payload, at: datetime) -> OrderPlaced:
    currency = payload["currency"]
    return OrderPlaced(
        aggregate_id=UUID(payload["order_id"]),
        occurred_at=at,
        customer_id=UUID(payload["customer_id"]),
        lines=tuple(
            OrderLine(
                product_id=UUID(line["product_id"]),
                quantity=int(line["quantity"]),
                unit_price=Money.of(line["unit_price"], currency),
            )
            for line in payload["lines"]
        ),
    )


def upcast_order_placed_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: "12.50 EUR" per line becomes `currency` on the order and "12.50" per line."""
    lines = []
    currency = ""
    for line in payload["lines"]:
        amount, currency = str(line["price"]).split()
        lines.append(
            {"product_id": line["product_id"], "quantity": line["quantity"], "unit_price": amount}
        )
    upcast = {key: value for key, value in payload.items() if key != "lines"}
    return {**upcast, "currency": currency, "lines": lines}


def _money(payload: Payload, key: str) -> Money:
    return Money.of(payload[key]["amount"], payload[key]["currency"], field=key)


def _money_out(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def order_event_codec() -> EventCodec:
    codec = EventCodec()
    codec.register(OrderPlaced, name="OrderPlaced", version=2, encode=_placed, decode=_placed_from)
    codec.add_upcaster("OrderPlaced", 1, upcast_order_placed_v1)
    codec.register(
        OrderPaid,
        name="OrderPaid",
        version=1,
        encode=lambda e: {
            "order_id": str(e.aggregate_id),
            "payment_reference": e.payment_reference,
            "amount": _money_out(e.amount),
        },
        decode=lambda p, at: OrderPaid(
            aggregate_id=UUID(p["order_id"]),
            occurred_at=at,
            payment_reference=p["payment_reference"],
            amount=_money(p, "amount"),
        ),
    )
    codec.register(
        PaymentFailed,
        name="PaymentFailed",
        version=1,
        encode=lambda e: {"order_id": str(e.aggregate_id), "reason": e.reason},
        decode=lambda p, at: PaymentFailed(
            aggregate_id=UUID(p["order_id"]), occurred_at=at, reason=p["reason"]
        ),
    )
    codec.register(
        OrderShipped,
        name="OrderShipped",
        version=1,
        encode=lambda e: {"order_id": str(e.aggregate_id)},
        decode=lambda p, at: OrderShipped(aggregate_id=UUID(p["order_id"]), occurred_at=at),
    )
    codec.register(
        OrderCancelled,
        name="OrderCancelled",
        version=1,
        encode=lambda e: {"order_id": str(e.aggregate_id), "reason": e.reason},
        decode=lambda p, at: OrderCancelled(
            aggregate_id=UUID(p["order_id"]), occurred_at=at, reason=p["reason"]
        ),
    )
    codec.register(
        OrderRefunded,
        name="OrderRefunded",
        version=1,
        encode=lambda e: {
            "order_id": str(e.aggregate_id),
            "refund_reference": e.refund_reference,
            "amount": _money_out(e.amount),
        },
        decode=lambda p, at: OrderRefunded(
            aggregate_id=UUID(p["order_id"]),
            occurred_at=at,
            refund_reference=p["refund_reference"],
            amount=_money(p, "amount"),
        ),
    )
    return codec


ORDER_EVENT_CODEC = order_event_codec()
