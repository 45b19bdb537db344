"""Ordering's events, declared once: the event store keeps them and the bus publishes them so.

Published as `ordering.<Name>` version 1 (a contract with notifications, audit and forks). Money
is a decimal string with its currency. Every payload names the order and the organisation it
belongs to, `organisation_id`; only OrderPlaced names the customer (a consumer that needs it for
a later event reads the order's stream).

History of the stored shapes (stored events are never rewritten; older ones are upcast on read):
- Until the declarations were one, the event store kept each event under its bare name
  ("OrderPaid" v1...), in the published shape except for OrderPlaced.
- "OrderPlaced" v1 kept each line's price as one text, "12.50 EUR"; v2 stored `currency` once
  for the order and `unit_price` as the amount alone. `ordering.OrderPlaced` v1 is the published
  shape: each price as money, and the order's total.
- Every `ordering.*` v1 payload gained `organisation_id` (issue 17) as an optional field: an
  event stored or published before it decodes into the single tenant, Tenant.SINGLE_ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict
from uuid import UUID

from application.shared.event_declarations import (
    ContextEvents,
    EventDeclaration,
    Former,
    MoneyPayload,
)
from application.shared.ports.event_store import Payload
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import OrderLine, total_of
from domain.shared.money import Money
from domain.shared.tenant import Tenant


class OrderLinePayload(TypedDict):
    product_id: UUID
    quantity: int
    unit_price: MoneyPayload


class OrderPlacedPayload(TypedDict):
    """The order's lines and its total; the only event that names the customer."""

    order_id: UUID
    organisation_id: NotRequired[UUID]
    customer_id: UUID
    lines: list[OrderLinePayload]
    total: MoneyPayload


class OrderPaidPayload(TypedDict):
    order_id: UUID
    organisation_id: NotRequired[UUID]
    payment_reference: str
    amount: MoneyPayload


class OrderRefundedPayload(TypedDict):
    order_id: UUID
    organisation_id: NotRequired[UUID]
    refund_reference: str
    amount: MoneyPayload


class OrderShippedPayload(TypedDict):
    order_id: UUID
    organisation_id: NotRequired[UUID]


class PaymentFailedPayload(TypedDict):
    order_id: UUID
    organisation_id: NotRequired[UUID]
    reason: str


class OrderCancelledPayload(TypedDict):
    order_id: UUID
    organisation_id: NotRequired[UUID]
    reason: str


def _money_out(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _money(payload: Payload, key: str) -> Money:
    return Money.of(payload[key]["amount"], payload[key]["currency"], field=key)


def _organisation(payload: Payload) -> UUID:
    """The tenant of the order; an order placed before tenancy belongs to the single tenant."""
    found = payload.get("organisation_id")
    return Tenant.SINGLE_ID if found is None else UUID(found)


def _placed_payload(
    order_id: str, organisation_id: str | None, customer_id: str, lines: Sequence[OrderLine]
) -> dict[str, Any]:
    tenant = {} if organisation_id is None else {"organisation_id": organisation_id}
    return {
        "order_id": order_id,
        **tenant,
        "customer_id": customer_id,
        "lines": [
            {
                "product_id": str(line.product_id),
                "quantity": line.quantity,
                "unit_price": _money_out(line.unit_price),
            }
            for line in lines
        ],
        "total": _money_out(total_of(lines)),
    }


def upcast_order_placed_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """ "OrderPlaced" v1 -> v2: "12.50 EUR" per line becomes `currency` once and "12.50"."""
    lines = []
    currency = ""
    for line in payload["lines"]:
        amount, currency = str(line["price"]).split()
        lines.append(
            {"product_id": line["product_id"], "quantity": line["quantity"], "unit_price": amount}
        )
    upcast = {key: value for key, value in payload.items() if key != "lines"}
    return {**upcast, "currency": currency, "lines": lines}


def upcast_order_placed_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """ "OrderPlaced" v2 -> `ordering.OrderPlaced` v1: each price as money, plus the total."""
    lines = [
        OrderLine(
            product_id=UUID(line["product_id"]),
            quantity=int(line["quantity"]),
            unit_price=Money.of(line["unit_price"], payload["currency"]),
        )
        for line in payload["lines"]
    ]
    # Stored before tenancy: no organisation_id, which decoding reads as the single tenant.
    return _placed_payload(payload["order_id"], None, payload["customer_id"], lines)


PLACED = EventDeclaration(
    event=OrderPlaced,
    name="ordering.OrderPlaced",
    version=1,
    encode=lambda e: _placed_payload(
        str(e.aggregate_id), str(e.organisation_id), str(e.customer_id), e.lines
    ),
    decode=lambda p, at: OrderPlaced(
        aggregate_id=UUID(p["order_id"]),
        occurred_at=at,
        organisation_id=_organisation(p),
        customer_id=UUID(p["customer_id"]),
        lines=tuple(
            OrderLine(
                product_id=UUID(line["product_id"]),
                quantity=int(line["quantity"]),
                unit_price=_money(line, "unit_price"),
            )
            for line in p["lines"]
        ),
    ),
    formerly=(
        Former("OrderPlaced", 1, upcast_order_placed_v1),
        Former("OrderPlaced", 2, upcast_order_placed_v2),
    ),
    schema=OrderPlacedPayload,
)

PAID = EventDeclaration(
    event=OrderPaid,
    name="ordering.OrderPaid",
    version=1,
    encode=lambda e: {
        "order_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "payment_reference": e.payment_reference,
        "amount": _money_out(e.amount),
    },
    decode=lambda p, at: OrderPaid(
        aggregate_id=UUID(p["order_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        payment_reference=p["payment_reference"],
        amount=_money(p, "amount"),
    ),
    formerly=(Former.same_shape("OrderPaid", 1),),
    schema=OrderPaidPayload,
)

PAYMENT_FAILED = EventDeclaration(
    event=PaymentFailed,
    name="ordering.PaymentFailed",
    version=1,
    encode=lambda e: {
        "order_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "reason": e.reason,
    },
    decode=lambda p, at: PaymentFailed(
        aggregate_id=UUID(p["order_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        reason=p["reason"],
    ),
    formerly=(Former.same_shape("PaymentFailed", 1),),
    schema=PaymentFailedPayload,
)

SHIPPED = EventDeclaration(
    event=OrderShipped,
    name="ordering.OrderShipped",
    version=1,
    encode=lambda e: {
        "order_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
    },
    decode=lambda p, at: OrderShipped(
        aggregate_id=UUID(p["order_id"]), organisation_id=_organisation(p), occurred_at=at
    ),
    formerly=(Former.same_shape("OrderShipped", 1),),
    schema=OrderShippedPayload,
)

CANCELLED = EventDeclaration(
    event=OrderCancelled,
    name="ordering.OrderCancelled",
    version=1,
    encode=lambda e: {
        "order_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "reason": e.reason,
    },
    decode=lambda p, at: OrderCancelled(
        aggregate_id=UUID(p["order_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        reason=p["reason"],
    ),
    formerly=(Former.same_shape("OrderCancelled", 1),),
    schema=OrderCancelledPayload,
)

REFUNDED = EventDeclaration(
    event=OrderRefunded,
    name="ordering.OrderRefunded",
    version=1,
    encode=lambda e: {
        "order_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "refund_reference": e.refund_reference,
        "amount": _money_out(e.amount),
    },
    decode=lambda p, at: OrderRefunded(
        aggregate_id=UUID(p["order_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        refund_reference=p["refund_reference"],
        amount=_money(p, "amount"),
    ),
    formerly=(Former.same_shape("OrderRefunded", 1),),
    schema=OrderRefundedPayload,
)

ORDERING_EVENTS = ContextEvents(
    "ordering", PLACED, PAID, PAYMENT_FAILED, SHIPPED, CANCELLED, REFUNDED
)
