"""The catalog's events, declared once: product created, changed, stock adjusted, deleted.

Published as `catalog.<Name>`; these payloads are a contract with other contexts: add fields
freely, but removing or changing one needs a new version. Every one is about one product (its
`aggregate_id`) of one organisation's catalog (`organisation_id`, added to v1 as an optional
field: an event written before tenancy decodes into the single tenant, Tenant.SINGLE_ID), which
is why the catalog's cache invalidation forgets exactly these, within that tenant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NotRequired, TypedDict
from uuid import UUID

from application.shared.event_declarations import EventDeclaration, MoneyPayload
from application.shared.plain_events import declared_in
from application.shared.ports.event_store import Payload
from domain.catalog import events
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted
from domain.shared.tenant import Tenant


class ProductCreatedPayload(TypedDict):
    product_id: UUID
    organisation_id: NotRequired[UUID]
    sku: str
    name: str
    price: MoneyPayload
    stock: int


class ProductChangedPayload(TypedDict):
    """`changes` names each changed field with its new value, as text; `version` is the
    product's version after the change."""

    product_id: UUID
    organisation_id: NotRequired[UUID]
    version: int
    changes: dict[str, str]


class StockAdjustedPayload(TypedDict):
    """`delta` was added to the stock, giving `stock`."""

    product_id: UUID
    organisation_id: NotRequired[UUID]
    version: int
    delta: int
    stock: int
    reason: str


class ProductDeletedPayload(TypedDict):
    product_id: UUID
    organisation_id: NotRequired[UUID]
    sku: str


def _organisation(payload: Payload) -> UUID:
    """The tenant the event names; events from before tenancy belong to the single tenant."""
    found = payload.get("organisation_id")
    return Tenant.SINGLE_ID if found is None else UUID(found)


CREATED = EventDeclaration(
    event=ProductCreated,
    name="catalog.ProductCreated",
    version=1,
    encode=lambda e: {
        "product_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "sku": e.sku,
        "name": e.name,
        "price": {"amount": str(e.price), "currency": e.currency},
        "stock": e.stock,
    },
    decode=lambda p, at: ProductCreated(
        aggregate_id=UUID(p["product_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        sku=p["sku"],
        name=p["name"],
        price=Decimal(p["price"]["amount"]),
        currency=p["price"]["currency"],
        stock=int(p["stock"]),
    ),
    schema=ProductCreatedPayload,
)

CHANGED = EventDeclaration(
    event=ProductChanged,
    name="catalog.ProductChanged",
    version=1,
    encode=lambda e: {
        "product_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "version": e.version,
        "changes": dict(e.changes),
    },
    decode=lambda p, at: ProductChanged(
        aggregate_id=UUID(p["product_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        version=int(p["version"]),
        changes=dict(p["changes"]),
    ),
    schema=ProductChangedPayload,
)

STOCK_ADJUSTED = EventDeclaration(
    event=StockAdjusted,
    name="catalog.StockAdjusted",
    version=1,
    encode=lambda e: {
        "product_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "version": e.version,
        "delta": e.delta,
        "stock": e.stock,
        "reason": e.reason,
    },
    decode=lambda p, at: StockAdjusted(
        aggregate_id=UUID(p["product_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        version=int(p["version"]),
        delta=int(p["delta"]),
        stock=int(p["stock"]),
        reason=p["reason"],
    ),
    schema=StockAdjustedPayload,
)

DELETED = EventDeclaration(
    event=ProductDeleted,
    name="catalog.ProductDeleted",
    version=1,
    encode=lambda e: {
        "product_id": str(e.aggregate_id),
        "organisation_id": str(e.organisation_id),
        "sku": e.sku,
    },
    decode=lambda p, at: ProductDeleted(
        aggregate_id=UUID(p["product_id"]),
        organisation_id=_organisation(p),
        occurred_at=at,
        sku=p["sku"],
    ),
    schema=ProductDeletedPayload,
)

# Every event of domain/catalog/events.py: these four by hand (their payloads are a published
# contract), any other one plain (application/shared/plain_events.py).
CATALOG_EVENTS = declared_in(
    "catalog", events, CREATED, CHANGED, STOCK_ADJUSTED, DELETED, id_key="product_id"
)
