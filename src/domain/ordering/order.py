"""The Order aggregate, event-sourced: its state is the fold of its events, nothing else.

A method decides (checks the state machine), then records an event and applies it through the
same `_apply` that replays history, so a live order and a replayed one cannot disagree.

    placed --pay--> paid --ship--> shipped
    placed --fail_payment--> placed            (a declined attempt; the customer may retry)
    placed | paid --cancel--> cancelled        (a paid order owes a refund: refund() settles it)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.ordering.errors import TransitionNotAllowed
from domain.ordering.events import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PaymentFailed,
)
from domain.ordering.lines import OrderLine, total_of, valid_lines
from domain.shared.errors import InvalidValue
from domain.shared.events import DomainEvent, EventRecorder
from domain.shared.money import Money
from domain.shared.tenant import Tenant

REASON_MAX = 200


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


def stream_of(order_id: UUID) -> str:
    """The event stream that holds one order's history."""
    return f"order-{order_id}"


class Order(EventRecorder):
    """An order of one organisation (`tenant`, recorded by OrderPlaced): no other organisation
    loads it (application/ordering/streams.py). Rebuild with `Order.from_history(events)`; start
    a new one with `Order.place(...)`.

    `version` counts the events applied, recorded ones included; `persisted_version` counts
    those already in the store, which is the expected version of the next append.
    """

    __slots__ = (
        "_persisted_version",
        "cancelled_at",
        "customer_id",
        "id",
        "lines",
        "paid_at",
        "payment_attempts",
        "payment_reference",
        "placed_at",
        "refund_reference",
        "refunded_at",
        "shipped_at",
        "status",
        "tenant",
        "total",
        "updated_at",
        "version",
    )

    def __init__(self, order_id: UUID) -> None:
        super().__init__()
        self.id = order_id
        self.tenant = Tenant.single()  # until OrderPlaced says whose it is
        self.customer_id: UUID | None = None
        self.lines: tuple[OrderLine, ...] = ()
        self.total: Money | None = None
        self.status: OrderStatus | None = None
        self.payment_attempts = 0
        self.payment_reference: str | None = None
        self.refund_reference: str | None = None
        self.placed_at: datetime | None = None
        self.paid_at: datetime | None = None
        self.shipped_at: datetime | None = None
        self.cancelled_at: datetime | None = None
        self.refunded_at: datetime | None = None
        self.updated_at: datetime | None = None
        self.version = 0
        self._persisted_version = 0

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        *,
        tenant: Tenant,
        id: UUID,
        customer_id: UUID,
        lines: Sequence[OrderLine],
        now: datetime,
    ) -> Order:
        checked = valid_lines(lines)
        total_of(checked)  # refuses an order whose total does not fit in Money
        order = cls(id)
        order._record(
            OrderPlaced(
                aggregate_id=id,
                occurred_at=now,
                organisation_id=tenant.organisation_id,
                customer_id=customer_id,
                lines=checked,
            )
        )
        return order

    @classmethod
    def from_history(cls, events: Iterable[DomainEvent]) -> Order:
        """Replay stored events; the result has nothing pending and is at their version."""
        order: Order | None = None
        for event in events:
            if order is None:
                if not isinstance(event, OrderPlaced):
                    raise ValueError("an order's history must begin with OrderPlaced")
                order = cls(event.aggregate_id)
            elif event.aggregate_id != order.id:
                raise ValueError("an order's history holds events of one order only")
            order._apply(event)
        if order is None:
            raise ValueError("an order's history cannot be empty")
        order._persisted_version = order.version
        return order

    # -- state -------------------------------------------------------------------------------

    @property
    def persisted_version(self) -> int:
        return self._persisted_version

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """Recorded but not yet stored, oldest first."""
        return tuple(self._events)

    def mark_persisted(self) -> None:
        self._persisted_version = self.version

    @property
    def refund_due(self) -> bool:
        """Cancelled after payment and not refunded yet."""
        return (
            self.status is OrderStatus.CANCELLED
            and self.payment_reference is not None
            and self.refund_reference is None
        )

    @property
    def holds_stock(self) -> bool:
        """Whether the units of this order are taken from the catalog's stock."""
        return self.status is not OrderStatus.CANCELLED

    # -- decisions ---------------------------------------------------------------------------

    def ensure_payable(self) -> None:
        """Raise TransitionNotAllowed unless the order may be paid now (before charging)."""
        self._require({OrderStatus.PLACED}, "paid")

    def pay(self, *, payment_reference: str, now: datetime) -> None:
        self.ensure_payable()
        if not payment_reference:
            raise InvalidValue("payment_reference", "must not be empty")
        assert self.total is not None
        self._record(
            OrderPaid(
                aggregate_id=self.id,
                organisation_id=self.tenant.organisation_id,
                occurred_at=now,
                payment_reference=payment_reference,
                amount=self.total,
            )
        )

    def fail_payment(self, *, reason: str, now: datetime) -> None:
        self._require({OrderStatus.PLACED}, "charged")
        self._record(
            PaymentFailed(
                aggregate_id=self.id,
                organisation_id=self.tenant.organisation_id,
                occurred_at=now,
                reason=_reason(reason),
            )
        )

    def ship(self, *, now: datetime) -> None:
        self._require({OrderStatus.PAID}, "shipped")
        self._record(
            OrderShipped(
                aggregate_id=self.id, organisation_id=self.tenant.organisation_id, occurred_at=now
            )
        )

    def cancel(self, *, reason: str, now: datetime) -> None:
        self._require({OrderStatus.PLACED, OrderStatus.PAID}, "cancelled")
        self._record(
            OrderCancelled(
                aggregate_id=self.id,
                organisation_id=self.tenant.organisation_id,
                occurred_at=now,
                reason=_reason(reason),
            )
        )

    def refund(self, *, refund_reference: str, now: datetime) -> None:
        if not self.refund_due:
            raise TransitionNotAllowed(self.id, self._describe(), "refunded")
        if not refund_reference:
            raise InvalidValue("refund_reference", "must not be empty")
        assert self.total is not None
        self._record(
            OrderRefunded(
                aggregate_id=self.id,
                organisation_id=self.tenant.organisation_id,
                occurred_at=now,
                refund_reference=refund_reference,
                amount=self.total,
            )
        )

    # -- event application -------------------------------------------------------------------

    def _require(self, allowed: set[OrderStatus], action: str) -> None:
        if self.status not in allowed:
            raise TransitionNotAllowed(self.id, self._describe(), action)

    def _describe(self) -> str:
        if self.status is OrderStatus.CANCELLED and self.refund_reference is not None:
            return "cancelled and refunded"
        return str(self.status)

    def _record(self, event: DomainEvent) -> None:
        self._apply(event)
        self.record(event)

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case OrderPlaced():
                self.tenant = Tenant(event.organisation_id)
                self.customer_id = event.customer_id
                self.lines = event.lines
                self.total = total_of(event.lines)
                self.status = OrderStatus.PLACED
                self.placed_at = event.occurred_at
            case OrderPaid():
                self.status = OrderStatus.PAID
                self.payment_reference = event.payment_reference
                self.payment_attempts += 1
                self.paid_at = event.occurred_at
            case PaymentFailed():
                self.payment_attempts += 1
            case OrderShipped():
                self.status = OrderStatus.SHIPPED
                self.shipped_at = event.occurred_at
            case OrderCancelled():
                self.status = OrderStatus.CANCELLED
                self.cancelled_at = event.occurred_at
            case OrderRefunded():
                self.refund_reference = event.refund_reference
                self.refunded_at = event.occurred_at
            case _:
                raise ValueError(f"{type(event).__name__} is not an order event")
        self.updated_at = event.occurred_at
        self.version += 1


def _reason(raw: str) -> str:
    reason = raw.strip()
    if len(reason) > REASON_MAX:
        raise InvalidValue("reason", f"must be at most {REASON_MAX} characters")
    return reason
