"""Properties of the Order state machine, over any sequence of commands (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from application.ordering.event_codec import ORDER_EVENT_CODEC
from application.shared.ports.event_store import RecordedEvent
from domain.ordering.errors import TransitionNotAllowed
from domain.ordering.lines import OrderLine
from domain.ordering.order import Order, OrderStatus
from domain.shared.money import Money
from domain.shared.tenant import Tenant

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
COMMANDS = ("pay", "fail_payment", "ship", "cancel", "refund")
# What each command may do, by status: the state machine written as a table.
ALLOWED = {
    "pay": {OrderStatus.PLACED},
    "fail_payment": {OrderStatus.PLACED},
    "ship": {OrderStatus.PAID},
    "cancel": {OrderStatus.PLACED, OrderStatus.PAID},
}


def observable(order: Order) -> dict[str, Any]:
    fields = [name for name in Order.__slots__ if not name.startswith("_")]
    return {name: getattr(order, name) for name in fields}


def run(order: Order, command: str, at: datetime) -> None:
    match command:
        case "pay":
            order.pay(payment_reference=f"auth-{at.timestamp()}", now=at)
        case "fail_payment":
            order.fail_payment(reason="declined", now=at)
        case "ship":
            order.ship(now=at)
        case "cancel":
            order.cancel(reason="asked", now=at)
        case _:
            order.refund(refund_reference=f"ref-{at.timestamp()}", now=at)


@given(
    commands=st.lists(st.sampled_from(COMMANDS), max_size=12),
    quantities=st.lists(st.integers(1, 1000), min_size=1, max_size=4),
)
def test_replaying_the_recorded_events_reproduces_the_state(
    commands: list[str], quantities: list[int]
) -> None:
    lines = [
        OrderLine(UUID(int=i + 1), q, Money.of("1.99", "EUR")) for i, q in enumerate(quantities)
    ]
    order = Order.place(
        tenant=Tenant.single(), id=UUID(int=99), customer_id=UUID(int=5), lines=lines, now=T0
    )

    for step, command in enumerate(commands, start=1):
        before = observable(order)
        allowed = order.refund_due if command == "refund" else order.status in ALLOWED[command]
        try:
            run(order, command, T0 + timedelta(minutes=step))
        except TransitionNotAllowed:
            assert not allowed, f"{command} refused from {before['status']}"
            assert observable(order) == before
        else:
            assert allowed, f"{command} accepted from {before['status']}"

    # Through the codec too: what is stored is enough to rebuild the order.
    stored = [
        RecordedEvent(
            stream_id="order",
            version=version,
            position=version,
            event_id=UUID(int=version),
            type=new.type,
            schema_version=new.schema_version,
            payload=new.payload,
            occurred_at=new.occurred_at,
        )
        for version, new in enumerate(
            (ORDER_EVENT_CODEC.encode(e, UUID(int=0)) for e in order.pending_events), start=1
        )
    ]
    replayed = Order.from_history(ORDER_EVENT_CODEC.decode(e) for e in stored)
    assert observable(replayed) == observable(order)
    assert replayed.version == len(stored)
