"""Ordering's published payloads, pinned: they are a contract with consumers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.order_events import ORDERING_EVENTS
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import OrderLine
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from tests.support.events import FixedIds

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ORDER, CUSTOMER, PRODUCT, OTHER, ORGANISATION = (UUID(int=n) for n in range(1, 6))


def published(*events: DomainEvent) -> list[tuple[str, int, dict[str, Any]]]:
    every = EventRegistry(ORDERING_EVENTS)
    return [(e.type, e.version, e.payload) for e in IntegrationEvents(every, FixedIds())(events)]


def test_ordering_publishes_the_payloads_it_always_published() -> None:
    lines = (
        OrderLine(PRODUCT, 3, Money.of("12.5", "EUR")),
        OrderLine(OTHER, 1, Money.of("0.99", "EUR")),
    )
    money = {"amount": "38.49", "currency": "EUR"}
    order = str(ORDER)

    assert published(
        OrderPlaced(
            aggregate_id=ORDER,
            occurred_at=T0,
            organisation_id=ORGANISATION,
            customer_id=CUSTOMER,
            lines=lines,
        ),
        OrderPaid(
            aggregate_id=ORDER,
            organisation_id=ORGANISATION,
            occurred_at=T0,
            payment_reference="r",
            amount=Money.of("38.49", "EUR"),
        ),
        PaymentFailed(
            aggregate_id=ORDER, organisation_id=ORGANISATION, occurred_at=T0, reason="no"
        ),
        OrderShipped(aggregate_id=ORDER, organisation_id=ORGANISATION, occurred_at=T0),
        OrderCancelled(
            aggregate_id=ORDER, organisation_id=ORGANISATION, occurred_at=T0, reason="x"
        ),
        OrderRefunded(
            aggregate_id=ORDER,
            organisation_id=ORGANISATION,
            occurred_at=T0,
            refund_reference="f",
            amount=Money.of("38.49", "EUR"),
        ),
    ) == [
        (
            "ordering.OrderPlaced",
            1,
            {
                "order_id": order,
                "organisation_id": str(ORGANISATION),
                "customer_id": str(CUSTOMER),
                "lines": [
                    {
                        "product_id": str(PRODUCT),
                        "quantity": 3,
                        "unit_price": {"amount": "12.50", "currency": "EUR"},
                    },
                    {
                        "product_id": str(OTHER),
                        "quantity": 1,
                        "unit_price": {"amount": "0.99", "currency": "EUR"},
                    },
                ],
                "total": money,
            },
        ),
        (
            "ordering.OrderPaid",
            1,
            {
                "order_id": order,
                "organisation_id": str(ORGANISATION),
                "payment_reference": "r",
                "amount": money,
            },
        ),
        (
            "ordering.PaymentFailed",
            1,
            {"order_id": order, "organisation_id": str(ORGANISATION), "reason": "no"},
        ),
        ("ordering.OrderShipped", 1, {"order_id": order, "organisation_id": str(ORGANISATION)}),
        (
            "ordering.OrderCancelled",
            1,
            {"order_id": order, "organisation_id": str(ORGANISATION), "reason": "x"},
        ),
        (
            "ordering.OrderRefunded",
            1,
            {
                "order_id": order,
                "organisation_id": str(ORGANISATION),
                "refund_reference": "f",
                "amount": money,
            },
        ),
    ]
