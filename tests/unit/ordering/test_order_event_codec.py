"""Order events survive encoding, and rows stored in older shapes are upcast to the current one."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from adapters.system.ids import Uuid7Generator
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.ordering.order_events import ORDERING_EVENTS
from application.shared.event_codec import UnknownEvent
from application.shared.ports.event_store import NewEvent, RecordedEvent
from domain.ordering.events import (
    ORDER_EVENTS,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import OrderLine
from domain.ordering.order import Order
from domain.shared.money import Money
from domain.shared.tenant import Tenant

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def as_recorded(new: NewEvent, version: int = 1) -> RecordedEvent:
    return RecordedEvent(
        stream_id="order-x",
        version=version,
        position=version,
        event_id=new.event_id,
        type=new.type,
        schema_version=new.schema_version,
        payload=new.payload,
        occurred_at=new.occurred_at,
    )


def test_every_order_event_round_trips() -> None:
    order = Order.place(
        tenant=Tenant(uuid4()),
        id=uuid4(),
        customer_id=uuid4(),
        lines=[OrderLine(uuid4(), 2, Money.of("3.10", "EUR"))],
        now=T0,
    )
    order.fail_payment(reason="declined", now=T0)
    order.pay(payment_reference="auth-9", now=T0)
    order.cancel(reason="gone", now=T0)
    order.refund(refund_reference="ref-9", now=T0)
    shipped = Order.place(
        tenant=Tenant.single(),
        id=uuid4(),
        customer_id=uuid4(),
        lines=[OrderLine(uuid4(), 1, Money.of("1", "EUR"))],
        now=T0,
    )
    shipped.pay(payment_reference="a", now=T0)
    shipped.ship(now=T0)
    events = [*order.pending_events, *shipped.pending_events]

    decoded = [
        ORDER_EVENT_CODEC.decode(as_recorded(ORDER_EVENT_CODEC.encode(e, uuid4()))) for e in events
    ]

    assert decoded == events


def test_an_order_placed_v1_is_upcast_when_read() -> None:
    product = UUID(int=42)
    v1 = RecordedEvent(
        stream_id="order-x",
        version=1,
        position=1,
        event_id=uuid4(),
        type="OrderPlaced",
        schema_version=1,
        payload={
            "order_id": str(UUID(int=1)),
            "customer_id": str(UUID(int=2)),
            "lines": [{"product_id": str(product), "quantity": 3, "price": "12.50 EUR"}],
        },
        occurred_at=T0,
    )

    event = ORDER_EVENT_CODEC.decode(v1)

    assert isinstance(event, OrderPlaced)
    assert event.lines == (OrderLine(product, 3, Money.of("12.50", "EUR")),)
    assert Order.from_history([event]).total == Money.of("37.50", "EUR")


def test_an_order_placed_before_tenancy_belongs_to_the_single_tenant() -> None:
    # `organisation_id` was added to ordering.OrderPlaced v1: a stored or published event
    # without it is an order of Tenant.single(), the tenant of a deployment without tenancy.
    organisation = uuid4()
    payload = {
        "order_id": str(UUID(int=1)),
        "customer_id": str(UUID(int=2)),
        "lines": [
            {
                "product_id": str(UUID(int=3)),
                "quantity": 1,
                "unit_price": {"amount": "1.00", "currency": "EUR"},
            }
        ],
        "total": {"amount": "1.00", "currency": "EUR"},
    }

    def placed(payload: dict[str, object]) -> Order:
        new = NewEvent(
            event_id=uuid4(),
            type="ordering.OrderPlaced",
            schema_version=1,
            payload=payload,
            occurred_at=T0,
        )
        return Order.from_history([ORDER_EVENT_CODEC.decode(as_recorded(new))])

    assert placed(payload).tenant == Tenant.single()
    assert placed({**payload, "organisation_id": str(organisation)}).tenant == Tenant(organisation)


def test_unknown_types_and_future_versions_are_refused() -> None:
    base = as_recorded(
        NewEvent(event_id=uuid4(), type="Nope", schema_version=1, payload={}, occurred_at=T0)
    )
    with pytest.raises(UnknownEvent):
        ORDER_EVENT_CODEC.decode(base)
    future = as_recorded(
        NewEvent(
            event_id=uuid4(),
            type="ordering.OrderShipped",
            schema_version=9,
            payload={},
            occurred_at=T0,
        )
    )
    with pytest.raises(UnknownEvent, match="newer"):
        ORDER_EVENT_CODEC.decode(future)


PLACED = OrderPlaced(
    aggregate_id=UUID(int=1),
    occurred_at=T0,
    organisation_id=Tenant.SINGLE_ID,  # the events stored before tenancy decode into it
    customer_id=UUID(int=2),
    lines=(
        OrderLine(UUID(int=3), 3, Money.of("12.50", "EUR")),
        OrderLine(UUID(int=4), 1, Money.of("0.99", "EUR")),
    ),
)
ORDER = str(UUID(int=1))
EUR = "EUR"


def stored(kind: str, schema_version: int, payload: dict[str, object]) -> RecordedEvent:
    return as_recorded(
        NewEvent(
            event_id=uuid4(),
            type=kind,
            schema_version=schema_version,
            payload=payload,
            occurred_at=T0,
        )
    )


def test_rows_stored_before_the_declarations_were_one_still_decode() -> None:
    """Rows as the event store kept them until then: bare names, OrderPlaced v2."""
    amount = {"amount": "38.49", "currency": EUR}
    rows = [
        stored(
            "OrderPlaced",
            2,
            {
                "order_id": ORDER,
                "customer_id": str(UUID(int=2)),
                "currency": EUR,
                "lines": [
                    {"product_id": str(UUID(int=3)), "quantity": 3, "unit_price": "12.50"},
                    {"product_id": str(UUID(int=4)), "quantity": 1, "unit_price": "0.99"},
                ],
            },
        ),
        stored("OrderPaid", 1, {"order_id": ORDER, "payment_reference": "r", "amount": amount}),
        stored("PaymentFailed", 1, {"order_id": ORDER, "reason": "no"}),
        stored("OrderShipped", 1, {"order_id": ORDER}),
        stored("OrderCancelled", 1, {"order_id": ORDER, "reason": "x"}),
        stored("OrderRefunded", 1, {"order_id": ORDER, "refund_reference": "f", "amount": amount}),
    ]
    money = Money.of("38.49", EUR)

    assert [ORDER_EVENT_CODEC.decode(row) for row in rows] == [
        PLACED,
        OrderPaid(
            aggregate_id=UUID(int=1),
            organisation_id=Tenant.SINGLE_ID,
            occurred_at=T0,
            payment_reference="r",
            amount=money,
        ),
        PaymentFailed(
            aggregate_id=UUID(int=1), organisation_id=Tenant.SINGLE_ID, occurred_at=T0, reason="no"
        ),
        OrderShipped(aggregate_id=UUID(int=1), organisation_id=Tenant.SINGLE_ID, occurred_at=T0),
        OrderCancelled(
            aggregate_id=UUID(int=1), organisation_id=Tenant.SINGLE_ID, occurred_at=T0, reason="x"
        ),
        OrderRefunded(
            aggregate_id=UUID(int=1),
            organisation_id=Tenant.SINGLE_ID,
            occurred_at=T0,
            refund_reference="f",
            amount=money,
        ),
    ]
    assert all(ORDER_EVENT_CODEC.knows(row.type) for row in rows)


def test_an_old_row_reads_as_the_current_shape_in_the_history() -> None:
    """Re-encoding what an old row decodes to gives the one current name, version and payload."""
    v1 = stored(
        "OrderPlaced",
        1,
        {
            "order_id": ORDER,
            "customer_id": str(UUID(int=2)),
            "lines": [
                {"product_id": str(UUID(int=3)), "quantity": 3, "price": "12.50 EUR"},
                {"product_id": str(UUID(int=4)), "quantity": 1, "price": "0.99 EUR"},
            ],
        },
    )

    current = ORDER_EVENT_CODEC.encode(ORDER_EVENT_CODEC.decode(v1), v1.event_id)

    assert (current.type, current.schema_version) == ("ordering.OrderPlaced", 1)
    assert current.payload == ORDER_EVENT_CODEC.encode(PLACED, v1.event_id).payload
    assert current.payload["total"] == {"amount": "38.49", "currency": EUR}


def test_every_order_event_is_declared_once_and_stored_as_it_is_published() -> None:
    assert set(ORDERING_EVENTS.classes) == set(ORDER_EVENTS)
    published = IntegrationEvents(EventRegistry(ORDERING_EVENTS), Uuid7Generator())
    events = [
        PLACED,
        OrderPaid(
            aggregate_id=UUID(int=1),
            organisation_id=Tenant.SINGLE_ID,
            occurred_at=T0,
            payment_reference="r",
            amount=Money.of("1", EUR),
        ),
        PaymentFailed(
            aggregate_id=UUID(int=1), organisation_id=Tenant.SINGLE_ID, occurred_at=T0, reason="no"
        ),
        OrderShipped(aggregate_id=UUID(int=1), organisation_id=Tenant.SINGLE_ID, occurred_at=T0),
        OrderCancelled(
            aggregate_id=UUID(int=1), organisation_id=Tenant.SINGLE_ID, occurred_at=T0, reason="x"
        ),
        OrderRefunded(
            aggregate_id=UUID(int=1),
            organisation_id=Tenant.SINGLE_ID,
            occurred_at=T0,
            refund_reference="f",
            amount=Money.of("1", EUR),
        ),
    ]

    kept = [ORDER_EVENT_CODEC.encode(event, uuid4()) for event in events]
    sent = published(events)

    assert [(e.type, e.schema_version, e.payload) for e in kept] == [
        (e.type, e.version, e.payload) for e in sent
    ]
    assert {e.type for e in kept} == ORDERING_EVENTS.names
