"""The Product aggregate: what the shop sells, and the rules that keep it valid."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

from domain.catalog.errors import InsufficientStock
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted
from domain.shared.aggregate import VersionedAggregate
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from domain.shared.tenant import Tenant

SKU_PATTERN = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{1,30})[A-Z0-9]")
NAME_MAX = 200
DESCRIPTION_MAX = 2000
# The largest stock a 32-bit INTEGER column holds on every SQL engine.
STOCK_MAX = 2**31 - 1
REASON_MAX = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def valid_sku(raw: str) -> str:
    sku = raw.strip().upper()
    if not SKU_PATTERN.fullmatch(sku):
        raise InvalidValue(
            "sku",
            "must be 3 to 32 letters, digits or hyphens, and not begin or end with a hyphen",
        )
    return sku


def valid_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise InvalidValue("name", "must not be empty")
    if len(name) > NAME_MAX:
        raise InvalidValue("name", f"must be at most {NAME_MAX} characters")
    if _CONTROL.search(name) or "\n" in name or "\r" in name:
        raise InvalidValue("name", "must be a single line of printable text")
    return name


def valid_description(raw: str) -> str:
    description = raw.strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidValue("description", f"must be at most {DESCRIPTION_MAX} characters")
    if _CONTROL.search(description):
        raise InvalidValue("description", "must not contain control characters")
    return description


def valid_stock(stock: int) -> int:
    if stock < 0:
        raise InvalidValue("stock", "must not be negative")
    if stock > STOCK_MAX:
        raise InvalidValue("stock", f"must be at most {STOCK_MAX}")
    return stock


class Product(VersionedAggregate):
    """A sellable item of one organisation's catalog (`tenant`: its sku is unique there, and no
    other organisation sees it). Construct new ones with `Product.create`; the constructor
    rehydrates."""

    __slots__ = (
        "created_at",
        "description",
        "id",
        "name",
        "price",
        "sku",
        "stock",
        "tenant",
    )

    def __init__(
        self,
        *,
        tenant: Tenant,
        id: UUID,
        sku: str,
        name: str,
        description: str,
        price: Money,
        stock: int,
        created_at: datetime,
        updated_at: datetime,
        version: int,
    ) -> None:
        self.tenant = tenant
        self.id = id
        self.sku = sku
        self.name = name
        self.description = description
        self.price = price
        self.stock = stock
        self.created_at = created_at
        super().__init__(version=version, updated_at=updated_at)

    @classmethod
    def create(
        cls,
        *,
        tenant: Tenant,
        id: UUID,
        sku: str,
        name: str,
        description: str,
        price: Money,
        stock: int,
        now: datetime,
    ) -> Product:
        product = cls(
            tenant=tenant,
            id=id,
            sku=valid_sku(sku),
            name=valid_name(name),
            description=valid_description(description),
            price=price,
            stock=valid_stock(stock),
            created_at=now,
            updated_at=now,
            version=1,
        )
        product._mark_new()
        product.record(
            ProductCreated(
                aggregate_id=id,
                organisation_id=tenant.organisation_id,
                occurred_at=now,
                sku=product.sku,
                name=product.name,
                price=price.amount,
                currency=price.currency,
                stock=product.stock,
            )
        )
        return product

    def change(
        self,
        *,
        now: datetime,
        sku: str | None = None,
        name: str | None = None,
        description: str | None = None,
        price: Money | None = None,
    ) -> None:
        """Apply a partial change; fields left as None stay as they are."""
        changes: dict[str, str] = {}
        if sku is not None and (new_sku := valid_sku(sku)) != self.sku:
            self.sku = changes["sku"] = new_sku
        if name is not None and (new_name := valid_name(name)) != self.name:
            self.name = changes["name"] = new_name
        if description is not None and (text := valid_description(description)) != self.description:
            self.description = changes["description"] = text
        if price is not None and price != self.price:
            self.price = price
            changes["price"] = str(price)
        if changes:
            self._touch(now)
            self.record(
                ProductChanged(
                    aggregate_id=self.id,
                    organisation_id=self.tenant.organisation_id,
                    occurred_at=now,
                    version=self.version,
                    changes=changes,
                )
            )

    def adjust_stock(self, *, delta: int, reason: str, now: datetime) -> None:
        if delta == 0:
            raise InvalidValue("delta", "must not be zero")
        reason = reason.strip()
        if len(reason) > REASON_MAX:
            raise InvalidValue("reason", f"must be at most {REASON_MAX} characters")
        if self.stock + delta < 0:
            raise InsufficientStock(self.id, self.stock, delta)
        if self.stock + delta > STOCK_MAX:
            raise InvalidValue("delta", f"would take stock above {STOCK_MAX}")
        self.stock += delta
        self._touch(now)
        self.record(
            StockAdjusted(
                aggregate_id=self.id,
                organisation_id=self.tenant.organisation_id,
                occurred_at=now,
                version=self.version,
                delta=delta,
                stock=self.stock,
                reason=reason,
            )
        )

    def delete(self, *, now: datetime) -> None:
        self.record(
            ProductDeleted(
                aggregate_id=self.id,
                organisation_id=self.tenant.organisation_id,
                occurred_at=now,
                sku=self.sku,
            )
        )
