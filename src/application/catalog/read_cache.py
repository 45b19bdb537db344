"""What the catalog caches, under which keys, and what forgets it.

The wiring composes the cached queries (`cached_get_product`, `cached_list_products`): their
handlers only load.

Cached: one product by id, and the first page of the product list (no cursor, no search) for
the common page sizes. Any fact about a product forgets that product and every first page.
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
from application.catalog.product_events import CATALOG_EVENTS
from application.catalog.views import ProductView
from application.shared.pagination import Page
from application.shared.ports.cache import CacheKey, CacheSpace
from application.shared.read_through import Cached, ReadThrough
from domain.shared.events import DomainEvent

# Bump `schema` whenever ProductView (or Page) changes shape.
PRODUCTS = CacheSpace("catalog", "product", 1, ProductView)
FIRST_PAGES = CacheSpace("catalog", "first-page", 1, Page[ProductView])
FIRST_PAGE_SIZES = (10, 20, 50, 100)
# Every catalog event is about one product (its aggregate_id): a new one is forgotten too.
PRODUCT_EVENTS = CATALOG_EVENTS.classes


def product_key(product_id: UUID) -> CacheKey[ProductView]:
    return PRODUCTS.key(str(product_id))


def first_page_key(limit: int) -> CacheKey[Page[ProductView]]:
    return FIRST_PAGES.key(f"limit={limit}")


def get_product_key(query: GetProduct) -> CacheKey[ProductView]:
    """GetProduct's answers are cached (the wiring puts the handler behind `Cached`)."""
    return product_key(query.product_id)


def list_products_key(query: ListProducts) -> CacheKey[Page[ProductView]] | None:
    """Only first pages of the common sizes: later pages and searches are not worth it."""
    if query.cursor or (query.search or "").strip() or query.limit not in FIRST_PAGE_SIZES:
        return None
    return first_page_key(query.limit)


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

    async def forget_products(self, product_ids: Iterable[UUID]) -> None:
        """Once this returns, no read answers what was cached about these products."""
        keys: list[CacheKey[Any]] = [product_key(pid) for pid in dict.fromkeys(product_ids)]
        if keys:
            keys.extend(first_page_key(limit) for limit in FIRST_PAGE_SIZES)
            await self._reads.invalidate(keys)

    async def on_committed(self, events: Sequence[DomainEvent]) -> None:
        await self.forget_products(
            event.aggregate_id for event in events if isinstance(event, PRODUCT_EVENTS)
        )
