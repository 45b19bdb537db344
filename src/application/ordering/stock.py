"""Stock: the units orders take and put back. Ordering reaches the catalog only through this port.

It works inside the ordering unit of work: what it takes commits with the order's events, or
not at all. Callers take products in id order, so concurrent orders lock rows in one order.
Each call names the tenant whose catalog it takes from: another tenant's product is no product.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.shared.money import Money
from domain.shared.tenant import Tenant


class Stock(ABC):
    @abstractmethod
    async def take(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> Money | None:
        """Take `quantity` units: their unit price, or None when there is no such product.
        Raises OutOfStock when fewer units are left."""

    async def take_all(
        self,
        tenant: Tenant,
        lines: Sequence[tuple[UUID, int]],
        *,
        reason: str,
        now: datetime,
    ) -> list[Money | None]:
        """`take` for each (product id, quantity) of an order, in the order given (callers give
        them in product id order): the unit prices, None for no such product (the lines after
        it are left untaken, None too). Given all lines at once, an adapter may take them with
        the order's own write (PostgreSQL: one statement, adapters/ordering/postgres_orders.py)."""
        prices: list[Money | None] = []
        for product_id, quantity in lines:
            price = await self.take(tenant, product_id, quantity, reason=reason, now=now)
            prices.append(price)
            if price is None:
                break
        return prices + [None] * (len(lines) - len(prices))

    @abstractmethod
    async def put_back(
        self, tenant: Tenant, product_id: UUID, quantity: int, *, reason: str, now: datetime
    ) -> None:
        """Return units taken before; nothing happens for a product removed since."""
