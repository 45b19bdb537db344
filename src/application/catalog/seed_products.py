"""SeedProducts: many products at once, a unit of work per batch, each made as CreateProduct
makes one (same rules, same ProductCreated event through the outbox)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from application.catalog.create_product import CreateProduct, new_product
from application.catalog.ports import CatalogUnitOfWorkFactory
from application.shared.ports.clock import Clock
from application.shared.ports.ids import IdGenerator
from application.shared.seeding import batches
from domain.shared.tenant import Tenant

BATCH = 500


class SeedProducts:
    def __init__(self, uow: CatalogUnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def holds_products(self, tenant: Tenant) -> bool:
        async with self._uow(read_only=True) as uow:
            return bool(await uow.products.page(tenant, after=None, limit=1))

    async def __call__(
        self, commands: Sequence[CreateProduct], advance: Callable[[int], None]
    ) -> list[UUID]:
        """Create the products in order (each in its command's tenant); their ids, in order."""
        added: list[UUID] = []
        for batch in batches(list(commands), BATCH):
            now = self._clock.now()
            products = [new_product(command, self._ids.new_id(), now) for command in batch]
            async with self._uow() as uow:
                for product in products:
                    await uow.products.add(product)
                await uow.commit()
            added += [product.id for product in products]
            advance(len(products))
        return added
