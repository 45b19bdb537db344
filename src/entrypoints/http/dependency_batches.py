"""A route's synchronous dependencies resolved in line, not in a task group per request.

Litestar resolves a handler's dependencies in batches (each batch needs only the ones before it)
and a batch of more than one in an anyio task group: a task per dependency on every request
(litestar-org/litestar#4563). A use case from the container (ContainerPlugin) is a synchronous,
cached provider: it waits for nothing, so a task of its own gains nothing and cost about 40 µs
of CPU per request beside `membership` (bench/README.md). `resolve_in_line` gives each such
dependency a batch of one, before the rest of its batch: Litestar awaits a batch of one
directly. Each dependency still runs after the ones it needs, and dependencies that wait (async
ones, async generators, sync ones sent to a thread) keep sharing a batch, and so still run
concurrently, when a handler has several.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute, WebSocketRoute


def resolve_in_line(app: Litestar) -> None:
    """Reorder the batches of every route of `app` (once it is built: routes are registered)."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for _, model in route.route_handler_map.values():
                model.dependency_batches = in_line(model.dependency_batches)
        elif isinstance(route, WebSocketRoute) and route.handler_parameter_model is not None:
            model = route.handler_parameter_model
            model.dependency_batches = in_line(model.dependency_batches)


def in_line(batches: list[set[Any]]) -> list[set[Any]]:
    """Each synchronous dependency in a batch of its own (by name, for a stable order), then
    the batch's others together."""
    reordered: list[set[Any]] = []
    for batch in batches:
        immediate = sorted((d for d in batch if not _waits(d.provide)), key=lambda d: d.key)
        reordered += [{dependency} for dependency in immediate]
        if waiting := batch.difference(immediate):
            reordered.append(waiting)
    return reordered


def _waits(provide: Any) -> bool:
    """Whether resolving it may wait (only then can a task of its own overlap it with others)."""
    return not provide.has_sync_callable or provide.has_async_generator_dependency
