"""DeleteProduct: remove a product from the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.catalog.loading import load_product
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteProduct:
    tenant: Tenant
    product_id: UUID
    expected_version: int | None = None


class DeleteProductHandler:
    def __init__(self, uow: CatalogUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: DeleteProduct) -> None:
        async with self._uow() as uow:
            product = await load_product(
                uow.products, command.tenant, command.product_id, command.expected_version
            )
            product.delete(now=self._clock.now())
            await uow.products.remove(product)
            await uow.commit()
