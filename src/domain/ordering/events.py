"""Facts about orders. The Order aggregate is rebuilt from these and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.ordering.lines import OrderLine
from domain.shared.events import DomainEvent
from domain.shared.money import Money


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPlaced(DomainEvent):
    # The organisation the order belongs to (docs/tenancy.md); the later events are about an
    # order of that tenant and need not repeat it.
    organisation_id: UUID
    customer_id: UUID
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPaid(DomainEvent):
    payment_reference: str
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFailed(DomainEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderShipped(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled(DomainEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRefunded(DomainEvent):
    refund_reference: str
    amount: Money


ORDER_EVENTS: tuple[type[DomainEvent], ...] = (
    OrderPlaced,
    OrderPaid,
    PaymentFailed,
    OrderShipped,
    OrderCancelled,
    OrderRefunded,
)
