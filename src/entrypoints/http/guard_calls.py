"""A route's guards called with its handler, not with a copy of it made per guard and request.

Litestar's `authorize_connection` passes each guard `copy(route_handler)`, so that a guard cannot
change the route for later requests: a shallow copy of a handler of some forty attributes, on
every guarded request, about a twentieth of an authenticated order read's CPU here (bench/
README.md, "Guards without a copy"). Portico's guards (`requires`) only read the connection, so
`call_guards_in_place` gives every guarded handler of a built app an `authorize_connection` that
passes the handler itself. A guard a project adds must not mutate the handler it is given.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection


def call_guards_in_place(app: Litestar) -> None:
    """Once the app is built (routes registered): every guarded handler of every route."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.resolve_guards():
                handler.__class__ = _in_place(handler.__class__)


@cache
def _in_place(kind: Any) -> type[Any]:
    """`kind` with guards called on the handler itself (a subclass with no slot of its own, so a
    handler's class can be swapped for it: route handlers have slots, no instance attributes)."""

    async def authorize_connection(
        self: Any, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)

    with warnings.catch_warnings():  # Litestar 2 warns on subclassing `get` & co.: not for this
        warnings.simplefilter("ignore", DeprecationWarning)
        namespace = {"__slots__": (), "authorize_connection": authorize_connection}
        return type(kind.__name__, (kind,), namespace)
