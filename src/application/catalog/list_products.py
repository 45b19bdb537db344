"""ListProducts: products in creation order, a page at a time, optionally searched by name.

First pages of the common sizes are cached (in the wiring: application/catalog/read_cache.py)."""

from __future__ import annotations

from dataclasses import dataclass

from application.catalog.ports import ProductReader
from application.catalog.views import ProductView
from application.shared.pagination import Page, check_limit, decode_cursor, encode_cursor
from domain.catalog.repository import ProductPosition
from domain.shared.errors import InvalidValue
from domain.shared.tenant import Tenant

SEARCH_MAX = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class ListProducts:
    tenant: Tenant
    limit: int = 20
    cursor: str | None = None
    search: str | None = None


class ListProductsHandler:
    def __init__(self, products: ProductReader) -> None:
        self._products = products

    async def __call__(self, query: ListProducts) -> Page[ProductView]:
        limit = check_limit(query.limit)
        after = ProductPosition(*decode_cursor(query.cursor)) if query.cursor else None
        search = (query.search or "").strip() or None
        if search is not None and len(search) > SEARCH_MAX:
            raise InvalidValue("search", f"must be at most {SEARCH_MAX} characters")
        # One more than asked tells whether a next page exists without a count query.
        found = await self._products.page(
            query.tenant, after=after, limit=limit + 1, name_contains=search
        )
        items = found[:limit]
        next_cursor = None
        if len(found) > limit:
            last = items[-1]
            next_cursor = encode_cursor(last.created_at, last.id)
        return Page(items, next_cursor)
