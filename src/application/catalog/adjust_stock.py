"""AdjustStock: add or remove units, never below zero."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.catalog.loading import load_product
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.views import ProductView
from application.shared.ports.clock import Clock
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustStock:
    tenant: Tenant
    product_id: UUID
    delta: int
    reason: str = ""
    expected_version: int | None = None


class AdjustStockHandler:
    def __init__(self, uow: CatalogUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: AdjustStock) -> ProductView:
        async with self._uow() as uow:
            product = await load_product(
                uow.products, command.tenant, command.product_id, command.expected_version
            )
            product.adjust_stock(delta=command.delta, reason=command.reason, now=self._clock.now())
            await uow.products.update(product)
            await uow.commit()
        return ProductView.of(product)
