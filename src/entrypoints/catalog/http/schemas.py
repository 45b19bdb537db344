"""Request and response bodies of the catalog API (msgspec: fast, and typed in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from application.catalog.views import ProductView
from application.shared.pagination import Page
from entrypoints.http.schemas import MoneyOut

# Money travels as a decimal string so no client parses it as a float.
Amount = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^-?[0-9]{1,16}(\.[0-9]{1,8})?$",
        description='A decimal number as a string, at most two places: "12.50"',
        examples=["12.50"],
    ),
]
Currency = Annotated[
    str, msgspec.Meta(pattern="^[A-Z]{3}$", description="ISO 4217 code", examples=["EUR"])
]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["TEA-GREEN-100"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=400, examples=["Green tea, 100 g"])]
Description = Annotated[str, msgspec.Meta(max_length=4000)]
Stock = Annotated[int, msgspec.Meta(ge=0)]


class MoneyBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount
    currency: Currency


class NewProduct(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    name: Name
    price: MoneyBody
    description: Description = ""
    stock: Stock = 0


class ProductChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields present change."""

    sku: Sku | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    price: MoneyBody | msgspec.UnsetType = msgspec.UNSET


class StockAdjustment(msgspec.Struct, forbid_unknown_fields=True):
    delta: Annotated[int, msgspec.Meta(description="Units to add (positive) or remove (negative)")]
    reason: Annotated[str, msgspec.Meta(max_length=400)] = ""


class ProductOut(msgspec.Struct):
    id: UUID
    sku: str
    name: str
    description: str
    price: MoneyOut
    stock: int
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ProductView) -> ProductOut:
        return cls(
            id=view.id,
            sku=view.sku,
            name=view.name,
            description=view.description,
            price=MoneyOut(str(view.price_amount), view.price_currency),
            stock=view.stock,
            version=view.version,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class ProductPageOut(msgspec.Struct):
    items: list[ProductOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[ProductView]) -> ProductPageOut:
        return cls([ProductOut.of(view) for view in page.items], page.next_cursor)
