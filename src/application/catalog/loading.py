"""Shared step of the catalog commands: load a product or fail with ProductNotFound."""

from __future__ import annotations

from uuid import UUID

from domain.catalog.errors import ProductNotFound
from domain.catalog.product import Product
from domain.catalog.repository import ProductRepository
from domain.shared.errors import StaleVersion
from domain.shared.tenant import Tenant


async def load_product(
    products: ProductRepository,
    tenant: Tenant,
    product_id: UUID,
    expected_version: int | None = None,
) -> Product:
    product = await products.get(tenant, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if expected_version is not None and expected_version != product.version:
        raise StaleVersion(expected_version, product.version)
    return product
