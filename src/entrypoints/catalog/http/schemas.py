"""Request and response bodies of the catalog API (msgspec: fast, and typed in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar
from uuid import UUID

import msgspec
from litestar.openapi.spec import Schema

from application.catalog.views import ProductView
from application.shared.pagination import Page
from domain.catalog.product import DESCRIPTION_MAX, NAME_MAX, REASON_MAX, STOCK_MAX
from entrypoints.http.patterns import LINE, TEXT, pattern
from entrypoints.http.schemas import MoneyBody, MoneyOut

# The domain's rules, as the JSON decoder enforces them and the OpenAPI document states them.
Sku = Annotated[
    str,
    msgspec.Meta(
        pattern=pattern(
            "^[A-Za-z0-9][A-Za-z0-9-]{1,30}[A-Za-z0-9]$",
            "3 to 32 letters, digits or hyphens, a letter or digit at each end",
        ),
        description="3 to 32 letters, digits or hyphens; stored in capitals",
        examples=["TEA-GREEN-100"],
    ),
]
Name = Annotated[
    str,
    msgspec.Meta(
        pattern=LINE,
        max_length=NAME_MAX,
        examples=["Green tea, 100 g"],
    ),
]
Description = Annotated[
    str,
    msgspec.Meta(pattern=TEXT, max_length=DESCRIPTION_MAX),
]
Stock = Annotated[int, msgspec.Meta(ge=0, le=STOCK_MAX)]


class NewProduct(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "sku": "TEA-GREEN-100",
        "name": "Green tea, 100 g",
        "price": {"amount": "4.50", "currency": "EUR"},
        "description": "Loose leaf",
        "stock": 40,
    }
    sku: Sku
    name: Name
    price: MoneyBody
    description: Description = ""
    stock: Stock = 0


class ProductChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields present change."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "name": "Green tea, 250 g",
        "price": {"amount": "9.90", "currency": "EUR"},
    }
    sku: Sku | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    price: MoneyBody | msgspec.UnsetType = msgspec.UNSET


class StockAdjustment(msgspec.Struct, forbid_unknown_fields=True):
    EXAMPLE: ClassVar[dict[str, Any]] = {"delta": -3, "reason": "damaged in transit"}
    delta: Annotated[
        int,
        msgspec.Meta(
            ge=-STOCK_MAX,
            le=STOCK_MAX,
            description="Units to add (positive) or remove (negative); never 0",
            extra_json_schema={"extra": {"not": Schema(const=0)}},
        ),
    ]
    reason: Annotated[str, msgspec.Meta(max_length=REASON_MAX)] = ""

    def __post_init__(self) -> None:
        if self.delta == 0:
            raise ValueError("delta must not be 0")


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
