"""Ports of the catalog: the product repository and the unit of work that holds it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.catalog.product import Product
from domain.shared.tenant import Tenant
from domain.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ProductPosition:
    """Where a page of products ends: products are listed by (created_at, id), ascending."""

    created_at: datetime
    id: UUID


class ProductRepository(ABC):
    """Products by id, listed in creation order. Writes become durable at the unit of work's commit.

    Every organisation has its own catalog: reads name the tenant they act within and see only
    its products (another tenant's id is not found); writes act within `product.tenant`, which
    reads set. A sku is unique within a tenant.

    `add` and `update` raise DuplicateSku when another product holds the sku; `update` and `remove`
    raise ConcurrentUpdate when the stored version is no longer `product.persisted_version`.
    """

    @abstractmethod
    async def add(self, product: Product) -> None: ...

    @abstractmethod
    async def get(self, tenant: Tenant, product_id: UUID) -> Product | None: ...

    @abstractmethod
    async def page(
        self,
        tenant: Tenant,
        *,
        after: ProductPosition | None,
        limit: int,
        name_contains: str | None = None,
    ) -> list[Product]:
        """At most `limit` products after `after`, optionally whose name contains the text
        (case-insensitive)."""

    @abstractmethod
    async def update(self, product: Product) -> None: ...

    @abstractmethod
    async def remove(self, product: Product) -> None: ...


class CatalogUnitOfWork(UnitOfWork):
    products: ProductRepository
