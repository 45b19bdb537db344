"""CatalogStock: ordering's Stock port on the catalog's products (the declared way in).

The catalog's own aggregate changes the stock, so its invariants hold (never below zero) and it
records StockAdjusted: the catalog's outbox rows and cache invalidation follow as for any change.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.ordering.stock import Stock
from domain.catalog.repository import ProductRepository
from domain.ordering.errors import OutOfStock
from domain.shared.money import Money
from domain.shared.tenant import Tenant


class CatalogStock(Stock):
    def __init__(self, products: ProductRepository) -> None:
        self._products = products

    async def take(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> Money | None:
        product = await self._products.get(tenant, product_id)
        if product is None:
            return None
        if product.stock < quantity:
            raise OutOfStock(product.id, quantity, product.stock)
        product.adjust_stock(delta=-quantity, reason=reason, now=now)
        await self._products.update(product)
        return product.price

    async def put_back(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> None:
        product = await self._products.get(tenant, product_id)
        if product is None:
            return
        product.adjust_stock(delta=quantity, reason=reason, now=now)
        await self._products.update(product)
