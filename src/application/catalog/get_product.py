"""GetProduct: one product by id (cached in the wiring: application/catalog/read_cache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.catalog.ports import ProductReader
from application.catalog.views import ProductView
from domain.catalog.errors import ProductNotFound
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True)
class GetProduct:
    tenant: Tenant
    product_id: UUID


class GetProductHandler:
    def __init__(self, products: ProductReader) -> None:
        self._products = products

    async def __call__(self, query: GetProduct) -> ProductView:
        view = await self._products.product(query.tenant, query.product_id)
        if view is None:
            raise ProductNotFound(query.product_id)
        return view
