"""Our Response gives the answer Litestar's own gives: the same status, headers in the same order,
cookies and body (entrypoints/http/responses.py builds it in one pass)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar import Response as LitestarResponse
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie, ResponseHeader
from litestar.enums import MediaType
from litestar.testing import AsyncTestClient

from entrypoints.http.responses import Response, _Built

_SCOPE: Any = {"type": "http", "method": "GET", "path": "/", "headers": [], "app": None}


def _request() -> Request[Any, Any, Any]:
    return Request(dict(_SCOPE))


async def _nothing() -> None:
    """A background task that does nothing."""


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {}),
    ({"headers": {"ETag": '"3"'}}, {"headers": {"cache-control": "public, no-cache"}}),
    ({"headers": {"Cache-Control": "private"}}, {"headers": {"cache-control": "public"}}),
    ({"headers": {"Content-Type": "application/problem+json"}}, {}),
    ({"headers": {"content-length": "99"}}, {}),
    ({"media_type": MediaType.TEXT}, {}),
    ({"media_type": "application/vnd.api+json"}, {"media_type": MediaType.HTML}),
    ({"status_code": 201}, {"status_code": 200}),
    ({}, {"status_code": 202}),
    ({"cookies": [Cookie(key="a", value="1")]}, {}),
    ({}, {"cookies": [Cookie(key="b", value="2"), Cookie(key="c", documentation_only=True)]}),
    ({"type_encoders": {complex: str}}, {"type_encoders": {set: sorted}}),
    ({"status_code": 304, "headers": {"ETag": '"3"'}}, {}),  # no body: Litestar's own path
    ({"status_code": 204}, {}),
]


@pytest.mark.parametrize(("made", "asked"), CASES)
@pytest.mark.parametrize("content", [{"status": "up", "n": 1}, "text", b"bytes"])
def test_the_answer_is_litestars(made: dict[str, Any], asked: dict[str, Any], content: Any) -> None:
    if made.get("status_code") in (204, 304):
        content = None
    if made.get("type_encoders"):
        content = {"z": complex(1, 2), "s": {2, 1}}
    try:
        theirs = LitestarResponse(content, **made).to_asgi_response(None, _request(), **asked)
    except Exception as refused:  # e.g. a dict as text/plain: ours refuses it the same way
        with pytest.raises(type(refused)):
            Response(content, **made).to_asgi_response(None, _request(), **asked)
        return
    ours = Response(content, **made).to_asgi_response(None, _request(), **asked)
    assert ours.status_code == theirs.status_code
    assert ours.encode_headers() == theirs.encode_headers()
    assert ours.body == theirs.body
    assert ours.content_length == theirs.content_length
    assert ours.encoding == theirs.encoding
    assert ours.is_head_response == theirs.is_head_response


def test_the_usual_answer_takes_the_short_path_and_keeps_its_background_task() -> None:
    task = BackgroundTask(_nothing)
    answer = Response({"a": 1}, background=task).to_asgi_response(None, _request())
    assert isinstance(answer, _Built)
    assert answer.background is task
    # The headers stay a MutableScopeHeaders over the list that is sent.
    answer.headers["x-added"] = "1"
    assert (b"x-added", b"1") in answer.encode_headers()


def test_a_head_answer_takes_litestars_path() -> None:
    answer = Response(None).to_asgi_response(None, _request(), is_head_response=True)
    assert not isinstance(answer, _Built)
    assert answer.is_head_response


async def test_an_app_answers_with_it_and_a_routes_headers() -> None:
    @get("/", response_headers=[ResponseHeader(name="X-Route", value="r")], sync_to_thread=False)
    def route() -> dict[str, str]:
        return {"status": "up"}

    app = Litestar([route], response_class=Response)
    async with AsyncTestClient(app) as client:
        answer = await client.get("/")
    assert answer.json() == {"status": "up"}
    assert answer.headers["x-route"] == "r"
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-length"] == str(len(answer.content))
