"""BodyRequest reads a body as Litestar's Request does: the same bytes, the same limits and the
same errors (entrypoints/http/request_body.py reads it without building the request's Headers)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, post

from entrypoints.http.request_body import BodyRequest

LIMIT = 10


@post("/echo", request_max_body_size=LIMIT, status_code=200)
async def echo(request: Request[Any, Any, Any]) -> bytes:
    first = await request.body()
    assert await request.body() is first  # read once, then kept
    return first


def _app(request_class: type[Request[Any, Any, Any]]) -> Litestar:
    return Litestar([echo], request_class=request_class, logging_config=None)


async def _answer(
    app: Litestar, messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes, int]:
    """Status and body of one POST whose body arrives as `messages`, and how many were read."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    pending = list(messages)
    status: list[int] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status[0], b"".join(chunks), len(messages) - len(pending)


def _part(body: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


CASES: list[tuple[list[dict[str, Any]], list[tuple[bytes, bytes]]]] = [
    ([_part(b"hello")], [(b"content-length", b"5")]),
    ([_part(b"hel", True), _part(b""), _part(b"lo", True), _part(b"")], []),  # in parts
    ([_part(b"")], []),  # no body
    ([_part(b"x" * 20)], [(b"content-length", b"20")]),  # announced over the limit: 413, unread
    ([_part(b"x" * 20)], [(b"Content-Length", b"20")]),  # a name in capitals is still the header
    ([_part(b"x" * 20)], [(b"content-length", b"3")]),  # announced under it, sent over: 413
    ([_part(b"x" * 6, True), _part(b"x" * 6)], []),  # over the limit in parts: 413
    ([_part(b"x")], [(b"content-length", b"one")]),  # a bad length: 400
    ([_part(b"x", True), {"type": "http.disconnect"}], []),  # the client went away: 500
    ([_part(b"ok")], [(b"content-length", b"2"), (b"content-length", b"99")]),  # the first one
]


@pytest.mark.parametrize(("messages", "headers"), CASES)
async def test_a_body_is_read_as_litestar_reads_it(
    messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]
) -> None:
    theirs = await _answer(_app(Request), messages, headers)
    ours = await _answer(_app(BodyRequest), messages, headers)
    assert ours == theirs


async def test_the_limit_holds_before_and_while_reading() -> None:
    app = _app(BodyRequest)
    announced = await _answer(app, [_part(b"x" * 20)], [(b"content-length", b"20")])
    assert announced[0] == 413
    assert announced[2] == 0  # refused before a byte was read
    assert (await _answer(app, [_part(b"x" * 6, True), _part(b"x" * 6)], []))[0] == 413
    assert (await _answer(app, [_part(b"x")], [(b"content-length", b"one")]))[0] == 400
    assert (await _answer(app, [_part(b"hel", True), _part(b"lo")], []))[:2] == (200, b"hello")
