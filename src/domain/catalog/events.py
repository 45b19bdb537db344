"""Facts about products, recorded by the Product aggregate.

Each names the organisation whose catalog holds the product (`organisation_id`), so that a
consumer acts within that tenant (and a cache forgets that tenant's entries)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductCreated(DomainEvent):
    organisation_id: UUID
    sku: str
    name: str
    price: Decimal
    currency: str
    stock: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductChanged(DomainEvent):
    """`changes` names each changed field with its new value, as text."""

    organisation_id: UUID
    version: int
    changes: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class StockAdjusted(DomainEvent):
    organisation_id: UUID
    version: int
    delta: int
    stock: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductDeleted(DomainEvent):
    organisation_id: UUID
    sku: str
