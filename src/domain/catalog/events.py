"""Facts about products, recorded by the Product aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductCreated(DomainEvent):
    sku: str
    name: str
    price: Decimal
    currency: str
    stock: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductChanged(DomainEvent):
    """`changes` names each changed field with its new value, as text."""

    version: int
    changes: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class StockAdjusted(DomainEvent):
    version: int
    delta: int
    stock: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductDeleted(DomainEvent):
    sku: str
