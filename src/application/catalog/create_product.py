"""CreateProduct: add a product to the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.views import ProductView
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateProduct:
    tenant: Tenant
    sku: str
    name: str
    price_amount: Decimal | str
    price_currency: str
    description: str = ""
    stock: int = 0


def new_product(command: CreateProduct, product_id: UUID, now: datetime) -> Product:
    return Product.create(
        tenant=command.tenant,
        id=product_id,
        sku=command.sku,
        name=command.name,
        description=command.description,
        price=Money.of(command.price_amount, command.price_currency),
        stock=command.stock,
        now=now,
    )


class CreateProductHandler:
    def __init__(
        self,
        uow: CatalogUnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: CreateProduct) -> ProductView:
        product = new_product(command, self._ids.new_id(), self._clock.now())
        async with self._uow() as uow:
            await uow.products.add(product)
            await uow.commit()
        return ProductView.of(product)
