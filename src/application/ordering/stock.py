"""Stock: the units orders take and put back. Ordering reaches the catalog only through this port.

It works inside the ordering unit of work: what it takes commits with the order's events, or
not at all. Callers take products in id order, so concurrent orders lock rows in one order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from uuid import UUID

from domain.shared.money import Money


class Stock(ABC):
    @abstractmethod
    async def take(
        self, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> Money | None:
        """Take `quantity` units: their unit price, or None when there is no such product.
        Raises OutOfStock when fewer units are left."""

    @abstractmethod
    async def put_back(
        self, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> None:
        """Return units taken before; nothing happens for a product removed since."""
