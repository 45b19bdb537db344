"""How catalog use cases obtain a unit of work, and how its queries read."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from application.catalog.views import ProductView
from domain.catalog.repository import CatalogUnitOfWork, ProductPosition
from domain.shared.tenant import Tenant


class CatalogUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> CatalogUnitOfWork:
        """A fresh unit of work; `read_only` ones may skip transaction overhead and never commit."""
        ...


class ProductReader(Protocol):
    """The query side: committed products straight to views, with no aggregate and no unit of
    work (commands keep both). What a committed write changed is seen by the next read. Each
    read sees only the products of the tenant it names."""

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None: ...

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        """Up to `limit` products after `after` in creation order (created_at, then id), whose
        name contains `name_contains` ignoring case (taken literally: no wildcards)."""
        ...
