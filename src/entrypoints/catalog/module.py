"""The catalog context: products, prices and stock."""

from __future__ import annotations

from typing import Any

from application.catalog.product_events import CATALOG_EVENTS
from entrypoints.catalog import seed
from entrypoints.catalog.container import CatalogContainer
from entrypoints.catalog.http.controller import ProductController
from entrypoints.module import HttpPart, Module


def http(root: Any) -> HttpPart:
    return HttpPart(route_handlers=[ProductController])


MODULE = Module(
    name="catalog",
    container=CatalogContainer,
    http=http,
    events=CATALOG_EVENTS,
    seed=seed.SEED,
    stores=("sql", "memory", "redis"),
)
