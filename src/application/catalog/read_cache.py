"""What the catalog caches, under which keys, and what forgets it.

The wiring composes the cached queries (`cached_get_product`, `cached_list_products`): their
handlers only load.

Cached: one product by id, and the first page of the product list (no cursor, no search) for
the common page sizes. Every key names the tenant (one organisation's catalog is never another's
cached answer). Any fact about a product forgets that product and every first page of its tenant.
`CatalogReadCache.forget_products` is the one way to do it, for the after-commit reaction here
and for anything else that learns a product changed (e.g. a consumer of integration events that
keeps the caches of other instances fresh).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.catalog.get_product import GetProduct, GetProductHandler
from application.catalog.list_products import ListProducts, ListProductsHandler
from application.catalog.ports import ProductReader
from application.catalog.views import ProductView
from application.shared.pagination import Page
from application.shared.ports.cache import CacheKey, CacheSpace
from application.shared.read_through import Cached, ReadThrough
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant

# Bump `schema` whenever ProductView (or Page) changes shape.
PRODUCTS = CacheSpace("catalog", "product", 1, ProductView)
FIRST_PAGES = CacheSpace("catalog", "first-page", 1, Page[ProductView])
FIRST_PAGE_SIZES = (10, 20, 50, 100)
# Every catalog event is about one product (its aggregate_id) of one tenant (organisation_id):
# a new one is forgotten too. Named here so that the type checker sees organisation_id; the
# test of the catalog's events checks that this is every one of them.
PRODUCT_EVENTS = (ProductCreated, ProductChanged, StockAdjusted, ProductDeleted)


def product_key(tenant: Tenant, product_id: UUID) -> CacheKey[ProductView]:
    return PRODUCTS.key(f"{tenant.organisation_id}:{product_id}")


def first_page_key(tenant: Tenant, limit: int) -> CacheKey[Page[ProductView]]:
    return FIRST_PAGES.key(f"{tenant.organisation_id}:limit={limit}")


def get_product_key(query: GetProduct) -> CacheKey[ProductView]:
    """GetProduct's answers are cached (the wiring puts the handler behind `Cached`)."""
    return product_key(query.tenant, query.product_id)


def list_products_key(query: ListProducts) -> CacheKey[Page[ProductView]] | None:
    """Only first pages of the common sizes: later pages and searches are not worth it."""
    if query.cursor or (query.search or "").strip() or query.limit not in FIRST_PAGE_SIZES:
        return None
    return first_page_key(query.tenant, query.limit)


def cached_get_product(
    products: ProductReader, reads: ReadThrough, ttl: timedelta
) -> Cached[GetProduct, ProductView]:
    return Cached(GetProductHandler(products), reads, ttl, get_product_key)


def cached_list_products(
    products: ProductReader, reads: ReadThrough, ttl: timedelta
) -> Cached[ListProducts, Page[ProductView]]:
    return Cached(ListProductsHandler(products), reads, ttl, list_products_key)


class CatalogReadCache:
    def __init__(self, reads: ReadThrough) -> None:
        self._reads = reads

    async def forget_products(self, tenant: Tenant, product_ids: Iterable[UUID]) -> None:
        """Once this returns, no read answers what was cached about these products of `tenant`."""
        if self._reads.holds_nothing:
            return
        keys: list[CacheKey[Any]] = [product_key(tenant, p) for p in dict.fromkeys(product_ids)]
        if keys:
            keys.extend(first_page_key(tenant, limit) for limit in FIRST_PAGE_SIZES)
            await self._reads.invalidate(keys)

    async def on_committed(self, events: Sequence[DomainEvent]) -> None:
        by_tenant: dict[UUID, list[UUID]] = {}
        for event in events:
            if isinstance(event, PRODUCT_EVENTS):
                by_tenant.setdefault(event.organisation_id, []).append(event.aggregate_id)
        for organisation_id, product_ids in by_tenant.items():
            await self.forget_products(Tenant(organisation_id), product_ids)
