"""A ProductReader that reads through read-only units of work, for tests that count or hold the
database reads at the unit of work (the production readers read the store directly)."""

from __future__ import annotations

from uuid import UUID

from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.views import ProductView
from domain.catalog.repository import ProductPosition
from domain.shared.tenant import Tenant


class ReaderOverUnitOfWork:
    def __init__(self, uow: CatalogUnitOfWorkFactory) -> None:
        self._uow = uow

    async def product(self, tenant: Tenant, product_id: UUID) -> ProductView | None:
        async with self._uow(read_only=True) as uow:
            product = await uow.products.get(tenant, product_id)
        return None if product is None else ProductView.of(product)

    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[ProductView]:
        async with self._uow(read_only=True) as uow:
            found = await uow.products.page(
                tenant, after=after, limit=limit, name_contains=name_contains
            )
        return [ProductView.of(product) for product in found]
