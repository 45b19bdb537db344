"""The ordering context: orders placed, paid, shipped or cancelled (event-sourced, CQRS reads)."""

from __future__ import annotations

from typing import Any

from application.ordering.order_events import ORDERING_EVENTS
from entrypoints.module import HttpPart, Module, ModuleContainer
from entrypoints.ordering import seed


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
