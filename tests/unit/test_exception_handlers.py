"""Each handler's exception handlers are merged once when the app is built, the same map
Litestar merges per request, and still handle what the route raises
(entrypoints/http/exception_handlers.py)."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Controller, Litestar, MediaType, Request, Response, Router, get
from litestar.handlers.base import BaseRouteHandler

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.http.exception_handlers import merge_exception_handlers_once
from entrypoints.settings import Settings


class Teapot(Exception):
    """Answered by a handler the test declares."""


class Empty(Exception):
    """Answered by no handler of its own."""


def _answer(status: int) -> Any:
    def handle(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
        return Response(type(error).__name__, status_code=status, media_type=MediaType.TEXT)

    return handle


class Things(Controller):
    path = "/things"
    exception_handlers = {Empty: _answer(404)}

    @get("/teapot", sync_to_thread=False)
    def teapot(self) -> str:
        raise Teapot

    @get("/empty", sync_to_thread=False)
    def empty(self) -> str:
        raise Empty


async def test_the_merged_map_is_litestars_and_still_handles_errors() -> None:
    app = Litestar(
        [Router("/api", route_handlers=[Things])], exception_handlers={Teapot: _answer(418)}
    )
    handlers = [h for route in app.routes for h in getattr(route, "route_handlers", ())]
    before = {id(h): BaseRouteHandler.resolve_exception_handlers(h) for h in handlers}

    merge_exception_handlers_once(app)

    for handler in handlers:
        merged = handler.resolve_exception_handlers()
        assert merged == before[id(handler)]
        assert handler.resolve_exception_handlers() is merged  # not merged again
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        teapot, empty = (
            await client.get("/api/things/teapot"),
            await client.get("/api/things/empty"),
        )
    assert (teapot.status_code, teapot.text) == (418, "Teapot")
    assert (empty.status_code, empty.text) == (404, "Empty")


def test_every_handler_of_the_app_answers_its_merged_map() -> None:
    app = create_app(build_container(Settings(environment="test", persistence="memory")))
    handlers = [h for route in app.routes for h in getattr(route, "route_handlers", ())]
    assert handlers
    for handler in handlers:
        merged = handler.resolve_exception_handlers()
        assert merged is handler.resolve_exception_handlers()
        assert merged == BaseRouteHandler.resolve_exception_handlers(handler)
    # One class for the handlers of a kind that answer equal maps, not one a handler.
    kinds_and_maps = {(type(h).__base__, *h.resolve_exception_handlers().items()) for h in handlers}
    assert len({type(h) for h in handlers}) == len(kinds_and_maps) < len(handlers)
