"""The ordering context: orders placed, paid, shipped or cancelled (event-sourced, CQRS reads)."""

from __future__ import annotations

from typing import Any

from application.ordering.order_events import ORDERING_EVENTS
from entrypoints.module import HttpPart, Module
from entrypoints.ordering import seed
from entrypoints.ordering.container import OrderingContainer
from entrypoints.ordering.http.controller import OrderController


def http(root: Any) -> HttpPart:
    return HttpPart(route_handlers=[OrderController])


MODULE = Module(
    name="ordering",
    container=OrderingContainer,
    needs=("catalog", "notifications"),
    http=http,
    events=ORDERING_EVENTS,
    seed=seed.SEED,
)
