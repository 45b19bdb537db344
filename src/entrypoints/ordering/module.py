"""The ordering context: orders placed, paid, shipped or cancelled (event-sourced, CQRS reads)."""

from __future__ import annotations

from typing import Any

from application.ordering.order_events import ORDERING_EVENTS
from entrypoints.module import HttpPart, Module
from entrypoints.ordering.container import OrderingContainer
from entrypoints.ordering.http.controller import OrderController


def http(root: Any) -> HttpPart:
    return HttpPart(route_handlers=[OrderController])


MODULE = Module(
    name="ordering",
    container=OrderingContainer,
    needs=("catalog", "notifications"),
    use_cases=(
        "place_order",
        "pay_order",
        "ship_order",
        "cancel_order",
        "get_order",
        "list_orders",
        "get_order_history",
        "get_order_as_of",
    ),
    http=http,
    events=ORDERING_EVENTS,
)
