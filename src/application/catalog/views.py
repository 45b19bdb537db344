"""ProductView: the read model that catalog use cases return (plain data, safe to cache)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.catalog.product import Product


# weakref_slot: the HTTP side renders a cached view once (entrypoints/http/rendered.py).
@dataclass(frozen=True, slots=True, weakref_slot=True)
class ProductView:
    id: UUID
    sku: str
    name: str
    description: str
    price_amount: Decimal
    price_currency: str
    stock: int
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, product: Product) -> ProductView:
        return cls(
            id=product.id,
            sku=product.sku,
            name=product.name,
            description=product.description,
            price_amount=product.price.amount,
            price_currency=product.price.currency,
            stock=product.stock,
            version=product.version,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )
