"""GetProduct: one product by id (cached in the wiring: application/catalog/read_cache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.views import ProductView
from domain.catalog.errors import ProductNotFound


@dataclass(frozen=True, slots=True)
class GetProduct:
    product_id: UUID


class GetProductHandler:
    def __init__(self, uow: CatalogUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: GetProduct) -> ProductView:
        async with self._uow(read_only=True) as uow:
            product = await uow.products.get(query.product_id)
        if product is None:
            raise ProductNotFound(query.product_id)
        return ProductView.of(product)
