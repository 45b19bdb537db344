"""Guards get the route's handler itself, not a copy per request (entrypoints/http/guard_calls.py),
and still refuse: a Litestar upgrade that calls them another way fails here."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.http.guard_calls import call_guards_in_place
from entrypoints.settings import Settings


async def test_a_guard_is_given_the_registered_handler_and_still_refuses() -> None:
    given: list[Any] = []

    async def only_with_a_pass(connection: ASGIConnection[Any, Any, Any, Any], route: Any) -> None:
        handler = route
        given.append(handler)
        if connection.headers.get("x-pass") != "yes":
            raise PermissionDeniedException("no pass")

    @get("/guarded", guards=[only_with_a_pass], sync_to_thread=False)
    def guarded() -> str:
        return "in"

    app = Litestar([guarded])
    call_guards_in_place(app)
    registered = app.route_handler_method_map["/guarded"]["GET"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert (await client.get("/guarded", headers={"x-pass": "yes"})).text == "in"
        assert (await client.get("/guarded")).status_code == 403
    assert len(given) == 2
    assert all(handler is registered for handler in given)


def test_every_guarded_route_of_the_app_calls_its_guards_in_place() -> None:
    app = create_app(build_container(Settings(environment="test", persistence="memory")))
    guarded = [
        handler
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if handler.resolve_guards()
    ]
    assert guarded  # operations at least; a project keeps some of writes, orders, users, audit
    assert all(
        type(handler).authorize_connection.__module__ == "entrypoints.http.guard_calls"
        for handler in guarded
    )
