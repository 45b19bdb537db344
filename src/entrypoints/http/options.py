"""OPTIONS answers 204 with `Allow` naming every method of the path.

Litestar's own OPTIONS handler names only the methods of the handlers registered with it: a
path served by two controllers' handlers (GET list, POST create) would advertise half of them.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.routes import HTTPRoute

from entrypoints.http.responses import Response


class AllowedMethods:
    """A before_request hook; `learn` the routes once the app is built."""

    def __init__(self) -> None:
        self._allow: dict[str, str] = {}

    def learn(self, app: Litestar) -> None:
        self._allow = {
            route.path_format: ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }

    async def __call__(self, request: Request[Any, Any, Any]) -> Response[None] | None:
        if request.method != "OPTIONS":
            return None
        allow = self._allow.get(request.scope.get("path_template", ""))
        return Response(None, status_code=204, headers={"Allow": allow}) if allow else None
