"""The catalog's published events: ProductCreated, ProductChanged, StockAdjusted, ProductDeleted.

These payloads are a contract with other contexts: add fields freely, but removing or changing
one needs a new version number.
"""

from __future__ import annotations

from typing import Any

from application.messaging.registry import EventRegistry
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted


def _created(event: ProductCreated) -> dict[str, Any]:
    return {
        "product_id": str(event.aggregate_id),
        "sku": event.sku,
        "name": event.name,
        "price": {"amount": str(event.price), "currency": event.currency},
        "stock": event.stock,
    }


def _changed(event: ProductChanged) -> dict[str, Any]:
    return {
        "product_id": str(event.aggregate_id),
        "version": event.version,
        "changes": dict(event.changes),
    }


def _stock(event: StockAdjusted) -> dict[str, Any]:
    return {
        "product_id": str(event.aggregate_id),
        "version": event.version,
        "delta": event.delta,
        "stock": event.stock,
        "reason": event.reason,
    }


def _deleted(event: ProductDeleted) -> dict[str, Any]:
    return {"product_id": str(event.aggregate_id), "sku": event.sku}


def register_catalog_events(registry: EventRegistry) -> EventRegistry:
    registry.register(ProductCreated, "catalog.ProductCreated", 1, _created)
    registry.register(ProductChanged, "catalog.ProductChanged", 1, _changed)
    registry.register(StockAdjusted, "catalog.StockAdjusted", 1, _stock)
    registry.register(ProductDeleted, "catalog.ProductDeleted", 1, _deleted)
    return registry
