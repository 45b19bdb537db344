"""One declaration per event type: the event store codec and the published events derive from it.

The published payloads are a contract with consumers (notifications, audit, forks): they are
pinned here exactly as they were before the declarations were one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.order_events import ORDERING_EVENTS
from application.shared.event_codec import EventCodec
from application.shared.event_declarations import ContextEvents, EventDeclaration, Former
from application.shared.ports.event_store import NewEvent, RecordedEvent
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted
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

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ORDER, CUSTOMER, PRODUCT, OTHER = (UUID(int=n) for n in range(1, 5))


class FixedIds:
    def new_id(self) -> UUID:
        return UUID(int=99)


def published(*events: DomainEvent) -> list[tuple[str, int, dict[str, Any]]]:
    every = EventRegistry(CATALOG_EVENTS, ORDERING_EVENTS)
    return [(e.type, e.version, e.payload) for e in IntegrationEvents(every, FixedIds())(events)]


def test_ordering_publishes_the_payloads_it_always_published() -> None:
    lines = (
        OrderLine(PRODUCT, 3, Money.of("12.5", "EUR")),
        OrderLine(OTHER, 1, Money.of("0.99", "EUR")),
    )
    money = {"amount": "38.49", "currency": "EUR"}
    order = str(ORDER)

    assert published(
        OrderPlaced(aggregate_id=ORDER, occurred_at=T0, customer_id=CUSTOMER, lines=lines),
        OrderPaid(
            aggregate_id=ORDER,
            occurred_at=T0,
            payment_reference="r",
            amount=Money.of("38.49", "EUR"),
        ),
        PaymentFailed(aggregate_id=ORDER, occurred_at=T0, reason="no"),
        OrderShipped(aggregate_id=ORDER, occurred_at=T0),
        OrderCancelled(aggregate_id=ORDER, occurred_at=T0, reason="x"),
        OrderRefunded(
            aggregate_id=ORDER,
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
        ("ordering.OrderPaid", 1, {"order_id": order, "payment_reference": "r", "amount": money}),
        ("ordering.PaymentFailed", 1, {"order_id": order, "reason": "no"}),
        ("ordering.OrderShipped", 1, {"order_id": order}),
        ("ordering.OrderCancelled", 1, {"order_id": order, "reason": "x"}),
        (
            "ordering.OrderRefunded",
            1,
            {"order_id": order, "refund_reference": "f", "amount": money},
        ),
    ]


def test_the_catalog_publishes_the_payloads_it_always_published() -> None:
    product = str(PRODUCT)

    assert published(
        ProductCreated(
            aggregate_id=PRODUCT,
            occurred_at=T0,
            sku="S",
            name="N",
            price=Decimal("1.50"),
            currency="EUR",
            stock=4,
        ),
        ProductChanged(aggregate_id=PRODUCT, occurred_at=T0, version=2, changes={"name": "M"}),
        StockAdjusted(
            aggregate_id=PRODUCT, occurred_at=T0, version=3, delta=-1, stock=3, reason="r"
        ),
        ProductDeleted(aggregate_id=PRODUCT, occurred_at=T0, sku="S"),
    ) == [
        (
            "catalog.ProductCreated",
            1,
            {
                "product_id": product,
                "sku": "S",
                "name": "N",
                "price": {"amount": "1.50", "currency": "EUR"},
                "stock": 4,
            },
        ),
        (
            "catalog.ProductChanged",
            1,
            {"product_id": product, "version": 2, "changes": {"name": "M"}},
        ),
        (
            "catalog.StockAdjusted",
            1,
            {"product_id": product, "version": 3, "delta": -1, "stock": 3, "reason": "r"},
        ),
        ("catalog.ProductDeleted", 1, {"product_id": product, "sku": "S"}),
    ]


def test_every_declared_event_decodes_what_it_encodes() -> None:
    events: list[DomainEvent] = [
        ProductCreated(
            aggregate_id=PRODUCT,
            occurred_at=T0,
            sku="S",
            name="N",
            price=Decimal("1.50"),
            currency="EUR",
            stock=4,
        ),
        ProductChanged(aggregate_id=PRODUCT, occurred_at=T0, version=2, changes={"name": "M"}),
        StockAdjusted(
            aggregate_id=PRODUCT, occurred_at=T0, version=3, delta=-1, stock=3, reason="r"
        ),
        ProductDeleted(aggregate_id=PRODUCT, occurred_at=T0, sku="S"),
    ]
    codec = EventCodec(CATALOG_EVENTS)

    assert [codec.decode(recorded(codec.encode(e, uuid4()))) for e in events] == events


# A context a fork might add: its one event is declared once, and nothing else is edited.
@dataclass(frozen=True, slots=True, kw_only=True)
class TeaTasted(DomainEvent):
    verdict: str


def tasted(version: int = 1, *formerly: Former) -> EventDeclaration[TeaTasted]:
    return EventDeclaration(
        event=TeaTasted,
        name="tasting.TeaTasted",
        version=version,
        encode=lambda e: {"tea_id": str(e.aggregate_id), "verdict": e.verdict},
        decode=lambda p, at: TeaTasted(
            aggregate_id=UUID(p["tea_id"]), occurred_at=at, verdict=p["verdict"]
        ),
        formerly=formerly,
    )


def recorded(new: NewEvent, **changes: Any) -> RecordedEvent:
    row = RecordedEvent(
        stream_id="s",
        version=1,
        position=1,
        event_id=new.event_id,
        type=new.type,
        schema_version=new.schema_version,
        payload=new.payload,
        occurred_at=new.occurred_at,
    )
    return replace(row, **changes)


def test_a_new_declaration_is_stored_and_published_without_other_edits() -> None:
    tasting = ContextEvents("tasting", tasted())
    event = TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="smoky")

    stored = EventCodec(tasting).encode(event, uuid4())
    registry = EventRegistry(tasting)
    [sent] = IntegrationEvents(registry, FixedIds())([event])

    assert (
        (stored.type, stored.schema_version)
        == (sent.type, sent.version)
        == ("tasting.TeaTasted", 1)
    )
    assert stored.payload == sent.payload == {"tea_id": str(PRODUCT), "verdict": "smoky"}
    assert EventCodec(tasting).decode(recorded(stored)) == event
    assert registry.contexts == ["tasting"]


def test_a_new_version_reads_the_rows_of_the_old_one_through_its_upcaster() -> None:
    def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"tea_id": payload["tea"], "verdict": payload["verdict"]}

    codec = EventCodec(
        ContextEvents("tasting", tasted(2, Former("tasting.TeaTasted", 1, v1_to_v2)))
    )
    old = codec.encode(TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="ok"), uuid4())
    row = recorded(old, schema_version=1, payload={"tea": str(PRODUCT), "verdict": "ok"})

    assert codec.decode(row) == TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="ok")
    assert codec.encode(codec.decode(row), uuid4()).schema_version == 2


def test_declarations_refuse_what_would_say_a_thing_twice() -> None:
    with pytest.raises(ValueError, match="<context>"):
        replace(tasted(), name="TeaTasted")
    with pytest.raises(ValueError, match="older"):
        tasted(1, Former("tasting.TeaTasted", 2, lambda p: p))
    with pytest.raises(ValueError, match="listed once"):
        tasted(
            2,
            Former("tasting.TeaTasted", 1, lambda p: p),
            Former("tasting.TeaTasted", 1, lambda p: p),
        )
    with pytest.raises(ValueError, match=r"'tasting\.<Name>'"):
        ContextEvents("tasting", replace(tasted(), name="cellar.TeaTasted"))
    with pytest.raises(ValueError, match="twice"):
        ContextEvents("tasting", tasted(), replace(tasted(), name="tasting.TeaSipped"))
    with pytest.raises(ValueError, match="stored type name"):
        ContextEvents("tasting", tasted(), replace(tasted(), event=OrderShipped))
