"""What the catalog caches, under which keys, and what forgets it.

Cached: one product by id, and the first page of the product list (no cursor, no search) for
the common page sizes. Any fact about a product forgets that product and every first page.
`CatalogReadCache.forget_products` is the one way to do it, for the after-commit reaction here
and for anything else that learns a product changed (e.g. a consumer of integration events that
keeps the caches of other instances fresh).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from application.catalog.product_events import CATALOG_EVENTS
from application.catalog.views import ProductView
from application.shared.pagination import Page
from application.shared.ports.cache import CacheKey, CacheSpace
from application.shared.read_through import ReadThrough
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
