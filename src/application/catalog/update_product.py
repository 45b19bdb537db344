"""UpdateProduct: a partial change, guarded by the version the caller last saw."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from application.catalog.loading import load_product
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.catalog.views import ProductView
from application.shared.ports.clock import Clock
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateProduct:
    tenant: Tenant
    product_id: UUID
    expected_version: int | None = None
    sku: str | None = None
    name: str | None = None
    description: str | None = None
    price_amount: Decimal | str | None = None
    price_currency: str | None = None


class UpdateProductHandler:
    def __init__(self, uow: CatalogUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateProduct) -> ProductView:
        if (command.price_amount is None) != (command.price_currency is None):
            raise InvalidValue("price", "give both amount and currency, or neither")
        async with self._uow() as uow:
            product = await load_product(
                uow.products, command.tenant, command.product_id, command.expected_version
            )
            price = None
            if command.price_amount is not None and command.price_currency is not None:
                price = Money.of(command.price_amount, command.price_currency)
            product.change(
                now=self._clock.now(),
                sku=command.sku,
                name=command.name,
                description=command.description,
                price=price,
            )
            await uow.products.update(product)
            await uow.commit()
        return ProductView.of(product)
