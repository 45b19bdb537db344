"""The Order aggregate: its state machine, its line rules, and replay from events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.ordering.errors import TransitionNotAllowed
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import OrderLine
from domain.ordering.order import Order, OrderStatus
from domain.shared.errors import Conflict, InvalidValue
from domain.shared.money import Money
from domain.shared.tenant import Tenant

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CUSTOMER = UUID(int=7)


def line(quantity: int = 1, price: str = "2.50", currency: str = "EUR") -> OrderLine:
    return OrderLine(uuid4(), quantity, Money.of(price, currency))


def placed(*lines: OrderLine) -> Order:
    return Order.place(
        tenant=Tenant.single(),
        id=uuid4(),
        customer_id=CUSTOMER,
        lines=lines or (line(2), line(1, "10.00")),
        now=T0,
    )


def test_placing_records_one_event_and_totals_the_lines() -> None:
    order = placed(line(2, "2.50"), line(3, "10.00"))

    assert order.status is OrderStatus.PLACED
    assert order.total == Money(Decimal("35.00"), "EUR")
    assert (order.version, order.persisted_version) == (1, 0)
    assert [type(e) for e in order.pending_events] == [OrderPlaced]


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ((), "lines"),
        ((line(0),), "lines[0].quantity"),
        ((line(1), line(1001)), "lines[1].quantity"),
        ((line(1), line(1, currency="USD")), "lines"),
        ((line(1, "9999999999.99"), line(2, "9999999999.99")), "total.amount"),
    ],
)
def test_bad_lines_are_refused_naming_the_field(lines: tuple[OrderLine, ...], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Order.place(tenant=Tenant.single(), id=uuid4(), customer_id=CUSTOMER, lines=lines, now=T0)
    assert caught.value.field == field


def test_a_product_may_appear_on_one_line_only() -> None:
    first = line(1)
    with pytest.raises(InvalidValue) as caught:
        placed(first, OrderLine(first.product_id, 2, first.unit_price))
    assert caught.value.field == "lines[1].product_id"


def test_the_happy_path_placed_paid_shipped() -> None:
    order = placed()
    order.fail_payment(reason="card declined", now=T0 + timedelta(minutes=1))
    order.pay(payment_reference="auth-1", now=T0 + timedelta(minutes=2))
    order.ship(now=T0 + timedelta(days=1))

    assert order.status is OrderStatus.SHIPPED
    assert order.payment_attempts == 2
    assert order.payment_reference == "auth-1"
    assert order.shipped_at == T0 + timedelta(days=1)
    assert [type(e) for e in order.pending_events] == [
        OrderPlaced,
        PaymentFailed,
        OrderPaid,
        OrderShipped,
    ]
    assert order.version == 4


def test_cancelling_a_paid_order_owes_a_refund_until_it_is_refunded() -> None:
    order = placed()
    order.pay(payment_reference="auth-1", now=T0)
    order.cancel(reason=" changed my mind ", now=T0)

    assert order.status is OrderStatus.CANCELLED
    assert order.refund_due
    assert not order.holds_stock
    order.refund(refund_reference="ref-1", now=T0)
    assert not order.refund_due
    paid = order.pending_events[1]
    refunded = order.pending_events[-1]
    assert isinstance(paid, OrderPaid)
    assert isinstance(refunded, OrderRefunded)
    assert refunded.amount == paid.amount
    cancelled = order.pending_events[2]
    assert isinstance(cancelled, OrderCancelled)
    assert cancelled.reason == "changed my mind"


def test_every_event_of_an_order_names_its_organisation() -> None:
    # So each is carried, consumed and audited within the order's tenant (DomainEvent.tenant).
    tenant = Tenant(uuid4())
    order = Order.place(tenant=tenant, id=uuid4(), customer_id=CUSTOMER, lines=(line(),), now=T0)
    order.fail_payment(reason="declined", now=T0)
    order.pay(payment_reference="auth-1", now=T0)
    order.cancel(reason="changed", now=T0)
    order.refund(refund_reference="ref-1", now=T0)
    shipped = Order.place(tenant=tenant, id=uuid4(), customer_id=CUSTOMER, lines=(line(),), now=T0)
    shipped.pay(payment_reference="auth-2", now=T0)
    shipped.ship(now=T0)

    events = [*order.pending_events, *shipped.pending_events]
    assert {type(event).__name__ for event in events} >= {
        "OrderPlaced", "PaymentFailed", "OrderPaid", "OrderCancelled", "OrderRefunded",
        "OrderShipped",
    }  # fmt: skip
    assert {event.tenant for event in events} == {tenant}


def test_cancelling_an_unpaid_order_owes_nothing() -> None:
    order = placed()
    order.cancel(reason="", now=T0)
    assert not order.refund_due
    with pytest.raises(TransitionNotAllowed):
        order.refund(refund_reference="ref-1", now=T0)


@pytest.mark.parametrize(
    ("history", "move", "action"),
    [
        ([], lambda o: o.ship(now=T0), "shipped"),
        (
            [lambda o: o.pay(payment_reference="a", now=T0)],
            lambda o: o.pay(payment_reference="b", now=T0),
            "paid",
        ),
        (
            [lambda o: o.pay(payment_reference="a", now=T0)],
            lambda o: o.fail_payment(reason="x", now=T0),
            "charged",
        ),
        (
            [lambda o: o.pay(payment_reference="a", now=T0), lambda o: o.ship(now=T0)],
            lambda o: o.cancel(reason="", now=T0),
            "cancelled",
        ),
        (
            [lambda o: o.cancel(reason="", now=T0)],
            lambda o: o.pay(payment_reference="a", now=T0),
            "paid",
        ),
        (
            [lambda o: o.cancel(reason="", now=T0)],
            lambda o: o.cancel(reason="", now=T0),
            "cancelled",
        ),
    ],
)
def test_any_other_move_is_a_conflict_that_changes_nothing(
    history: list[object], move: object, action: str
) -> None:
    order = placed()
    for step in history:
        step(order)  # type: ignore[operator]
    version = order.version

    with pytest.raises(TransitionNotAllowed) as caught:
        move(order)  # type: ignore[operator]

    assert isinstance(caught.value, Conflict)
    assert caught.value.action == action
    assert order.version == version


def test_replaying_the_events_gives_the_same_order() -> None:
    live = placed()
    live.pay(payment_reference="auth-1", now=T0 + timedelta(hours=1))
    live.cancel(reason="late", now=T0 + timedelta(hours=2))

    replayed = Order.from_history(live.pending_events)

    assert replayed.status is OrderStatus.CANCELLED
    assert (replayed.version, replayed.persisted_version) == (3, 3)
    assert replayed.pending_events == ()
    assert (replayed.total, replayed.lines, replayed.customer_id) == (
        live.total,
        live.lines,
        live.customer_id,
    )
    assert replayed.refund_due
    assert replayed.cancelled_at == T0 + timedelta(hours=2)


def test_a_history_must_start_with_the_placement_of_one_order() -> None:
    order = placed()
    other = placed()
    with pytest.raises(ValueError, match="begin"):
        Order.from_history(
            [
                OrderShipped(
                    aggregate_id=order.id,
                    organisation_id=order.tenant.organisation_id,
                    occurred_at=T0,
                )
            ]
        )
    with pytest.raises(ValueError, match="empty"):
        Order.from_history([])
    with pytest.raises(ValueError, match="one order"):
        Order.from_history([*order.pending_events, *other.pending_events])
