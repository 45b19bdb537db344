"""What can go wrong with products."""

from __future__ import annotations

from uuid import UUID

from domain.shared.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    code = "product-not-found"

    def __init__(self, product_id: UUID) -> None:
        super().__init__(f"product {product_id} does not exist")
        self.product_id = product_id


class DuplicateSku(Conflict):
    code = "duplicate-sku"

    def __init__(self, sku: str) -> None:
        super().__init__(f"a product with sku {sku!r} already exists")
        self.sku = sku


class InsufficientStock(Conflict):
    code = "insufficient-stock"

    def __init__(self, product_id: UUID, stock: int, delta: int) -> None:
        super().__init__(f"product {product_id} has {stock} in stock; cannot remove {-delta}")
        self.product_id = product_id
