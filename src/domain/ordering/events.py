"""Facts about orders. The Order aggregate is rebuilt from these and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.ordering.lines import OrderLine
from domain.shared.events import DomainEvent
from domain.shared.money import Money


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPlaced(DomainEvent):
    # The organisation the order belongs to (docs/tenancy.md). Every order event names it, so
    # each is carried, consumed and audited within its tenant (DomainEvent.tenant).
    organisation_id: UUID
    customer_id: UUID
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPaid(DomainEvent):
    organisation_id: UUID
    payment_reference: str
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFailed(DomainEvent):
    organisation_id: UUID
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderShipped(DomainEvent):
    organisation_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled(DomainEvent):
    organisation_id: UUID
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRefunded(DomainEvent):
    organisation_id: UUID
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
