"""Each route's exception handlers merged once, not on every request.

Litestar's router asks the matched handler for `resolve_exception_handlers()` on every request,
and in Litestar 2 that method (documented as memoized) walks the handler's layers up to the app
and merges their maps each time: 3-5 % of a bare request's CPU here, more under our extra layer
(`api_layer`) than for a flat app (bench/README.md, "The answer built in one pass"). Once the app
is built its layers and their maps no longer change, so `merge_exception_handlers_once` gives
each handler a subclass (with no slot: handlers have slots, no instance attributes) that answers
the map merged when the app was built, one class for the handlers of a kind with equal maps (one
a handler was 0.2 MB of the worker's classes; bench/README.md). Call it last: the class it makes
stands for that map, so nothing may cache by it. tests/unit/test_exception_handlers.py fails if
a Litestar upgrade changes what the merge answers.
"""

from __future__ import annotations

import warnings
from typing import Any

from litestar import Litestar


def merge_exception_handlers_once(app: Litestar) -> None:
    """Once the app is built: every handler of every route."""
    made: dict[tuple[Any, ...], type[Any]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            merged = handler.resolve_exception_handlers()
            key = (handler.__class__, *merged.items())
            if key not in made:
                made[key] = _answering(handler.__class__, merged)
            handler.__class__ = made[key]


def _answering(kind: Any, merged: Any) -> type[Any]:
    def resolve_exception_handlers(self: Any) -> Any:
        return merged

    with warnings.catch_warnings():  # Litestar 2 warns on subclassing `get` & co.: not for this
        warnings.simplefilter("ignore", DeprecationWarning)
        namespace = {"__slots__": (), "resolve_exception_handlers": resolve_exception_handlers}
        return type(kind.__name__, (kind,), namespace)
