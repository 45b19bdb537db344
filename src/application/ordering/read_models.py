"""Read models of orders (kept by projections from the event store) and the ports that hold them.

A projection store keeps the rows of one projection plus the position in the event store they
reflect, and a `generation`: a rebuild fills a new generation beside the live one and swaps it
in, so readers never see a half-built projection.

Every row names the organisation of its order (`organisation_id`, from OrderPlaced) and every
read names a tenant: another organisation's orders are not there (docs/tenancy.md). The one
read across organisations is a customer's own orders, for their personal data export.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from application.shared.ports.projections import ProjectionStore
from domain.ordering.lines import OrderLine
from domain.shared.money import Money
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSummary:
    """One row of an order list."""

    order_id: UUID
    organisation_id: UUID
    customer_id: UUID
    status: str
    total: Money
    item_count: int
    placed_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDetails:
    """Everything about one order."""

    order_id: UUID
    organisation_id: UUID
    customer_id: UUID
    status: str
    total: Money
    lines: tuple[OrderLine, ...]
    payment_attempts: int
    payment_reference: str | None
    last_payment_failure: str | None
    cancel_reason: str | None
    refund_reference: str | None
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class OrderPosition:
    """Where a page of summaries ends: lists run newest first, by (placed_at, order_id)."""

    placed_at: datetime
    order_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilter:
    customer_id: UUID | None = None
    status: str | None = None
    placed_from: datetime | None = None
    placed_until: datetime | None = None


# The rows of the two order projections (a store adapter is generic over them).
Row = TypeVar("Row", OrderSummary, OrderDetails)


class OrderSummaryStore(ProjectionStore[OrderSummary]):
    name = "order_summaries"

    @abstractmethod
    async def page(
        self, tenant: Tenant, *, where: OrderFilter, after: OrderPosition | None, limit: int
    ) -> list[OrderSummary]:
        """Live summaries of `tenant`'s orders matching `where`, newest first, after `after`."""

    @abstractmethod
    async def page_of_customer(
        self, customer_id: UUID, *, after: OrderPosition | None, limit: int
    ) -> list[OrderSummary]:
        """One customer's orders in every organisation, newest first, after `after`: only for
        their personal data export, which is theirs wherever they ordered."""


class OrderDetailsStore(ProjectionStore[OrderDetails]):
    name = "order_details"

    @abstractmethod
    async def get(self, tenant: Tenant, order_id: UUID) -> OrderDetails | None:
        """The live row of one order of `tenant` (None for another organisation's)."""
