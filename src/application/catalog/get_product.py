"""GetProduct: one product by id (read-through cached)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.read_cache import product_key
from application.catalog.views import ProductView
from application.shared.ports.cache import CacheKey
from application.shared.read_through import CachedQueryHandler, ReadThrough
from domain.catalog.errors import ProductNotFound


@dataclass(frozen=True, slots=True)
class GetProduct:
    product_id: UUID


class GetProductHandler(CachedQueryHandler[GetProduct, ProductView]):
    def __init__(self, uow: CatalogUnitOfWorkFactory, reads: ReadThrough, ttl: timedelta) -> None:
        super().__init__(reads, ttl)
        self._uow = uow

    def cache_key(self, query: GetProduct) -> CacheKey[ProductView]:
        return product_key(query.product_id)

    async def load(self, query: GetProduct) -> ProductView:
        async with self._uow(read_only=True) as uow:
            product = await uow.products.get(query.product_id)
        if product is None:
            raise ProductNotFound(query.product_id)
        return ProductView.of(product)
