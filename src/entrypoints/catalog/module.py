"""The catalog context: products, prices and stock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.catalog.product_events import CATALOG_EVENTS
from entrypoints.catalog import seed
from entrypoints.module import HttpPart, Module

if TYPE_CHECKING:
    from entrypoints.module_container import ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.catalog.container import CatalogContainer

    return CatalogContainer


def http(root: Any) -> HttpPart:
    from entrypoints.catalog.http.controller import ProductController

    return HttpPart(route_handlers=[ProductController])


MODULE = Module(
    name="catalog",
    container=container,
    http=http,
    events=CATALOG_EVENTS,
    seed=seed.SEED,
    stores=(
        "sql",
        "memory",
        "redis",  # [adapter:redis]
    ),
)
