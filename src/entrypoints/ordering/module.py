"""The ordering context: orders placed, paid, shipped or cancelled (event-sourced, CQRS reads)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.ordering.order_events import ORDERING_EVENTS
from entrypoints.module import HttpPart, Module
from entrypoints.ordering import seed

if TYPE_CHECKING:
    from entrypoints.module_container import ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.ordering.container import OrderingContainer

    return OrderingContainer


def http(root: Any) -> HttpPart:
    from entrypoints.ordering.http.controller import OrderController

    return HttpPart(route_handlers=[OrderController])


MODULE = Module(
    name="ordering",
    container=container,
    needs=("catalog", "notifications"),
    http=http,
    events=ORDERING_EVENTS,
    seed=seed.SEED,
)
