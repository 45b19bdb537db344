"""RequestContext as a plain ASGI layer: ids, headers, status and one access line per request."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from application.messaging.context import current_context
from entrypoints.http.request_context import RequestContext, current_request_id

SECURITY = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"))
Line = tuple[str, str, int, float, Any]


def _scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/health/live",
        "headers": list(headers),
        "client": ("10.0.0.7", 5000),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


class Answer:
    """An app that answers with `headers`, noting the ids it saw while it ran."""

    def __init__(self, *headers: tuple[bytes, bytes], status: int = 200) -> None:
        self.headers = headers
        self.status = status
        self.seen: list[tuple[str | None, str | None]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.seen.append((current_request_id(), current_context().correlation_id))
        await send(
            {"type": "http.response.start", "status": self.status, "headers": list(self.headers)}
        )
        await send({"type": "http.response.body", "body": b"{}"})


async def _call(app: Any, *headers: tuple[bytes, bytes]) -> tuple[list[dict[str, Any]], list[Line]]:
    sent: list[dict[str, Any]] = []
    lines: list[Line] = []

    async def send(message: Any) -> None:
        sent.append(message)

    def access(method: str, path: str, status: int, seconds: float, client: Any) -> None:
        lines.append((method, path, status, seconds, client))

    layer = RequestContext(app, access=access, headers=lambda _: SECURITY)
    await layer(_scope(*headers), _receive, send)
    return sent, lines


async def test_an_answer_carries_a_new_id_the_security_headers_and_its_own() -> None:
    app = Answer((b"content-type", b"application/json"))
    sent, lines = await _call(app)

    headers = dict(sent[0]["headers"])
    request_id = headers[b"x-request-id"].decode()
    assert len(request_id) == 32
    assert int(request_id, 16) >= 0
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"x-frame-options"] == b"DENY"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert app.seen == [(request_id, request_id)]  # logs and events carry it while it runs
    assert [(m, p, s, c) for m, p, s, _, c in lines] == [("GET", "/health/live", 200, "10.0.0.7")]
    assert lines[0][3] >= 0


async def test_a_header_the_app_sets_itself_is_not_doubled() -> None:
    sent, _ = await _call(Answer((b"X-Frame-Options", b"SAMEORIGIN")))

    names = [name.lower() for name, _ in sent[0]["headers"]]
    assert names.count(b"x-frame-options") == 1
    assert (b"X-Frame-Options", b"SAMEORIGIN") in sent[0]["headers"]


async def test_ids_are_unique_and_a_well_formed_caller_id_is_kept() -> None:
    made = set()
    for _ in range(200):
        sent, _ = await _call(Answer())
        made.add(dict(sent[0]["headers"])[b"x-request-id"])
    kept, _ = await _call(Answer(), (b"x-request-id", b"caller-7.a:b"))
    refused, _ = await _call(Answer(), (b"x-request-id", b"bad id\twith\nlines"))

    assert len(made) == 200
    assert dict(kept[0]["headers"])[b"x-request-id"] == b"caller-7.a:b"
    assert len(dict(refused[0]["headers"])[b"x-request-id"]) == 32


async def test_an_app_that_fails_before_answering_is_logged_as_500() -> None:
    async def fails(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    lines: list[Line] = []
    sent: list[Any] = []

    def access(*line: Any) -> None:
        lines.append(line)

    async def send(message: Any) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError):
        await RequestContext(fails, access=access)(_scope(), _receive, send)
    assert [line[2] for line in lines] == [500]
    assert sent == []  # nothing was answered: the server's own 500 follows


async def test_other_scopes_pass_through_untouched() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    def access(*line: Any) -> None:
        raise AssertionError("no access line for a lifespan scope")

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    await RequestContext(app, access=access)({"type": "lifespan"}, _receive, send)
    assert seen == [{"type": "lifespan"}]
    assert sent == []


async def test_ids_stay_distinct_across_draws() -> None:
    app = Answer()
    ids = []
    for _ in range(600):  # more than two draws of 256
        sent, _ = await _call(app)
        ids.append(dict(sent[0]["headers"])[b"x-request-id"])

    assert len(set(ids)) == 600
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in ids)


def test_a_forked_worker_does_not_repeat_its_parents_ids() -> None:
    asyncio.run(_call(Answer()))  # the parent has drawn ids not yet used
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        sent, _ = asyncio.run(_call(Answer()))
        os.write(writer, dict(sent[0]["headers"])[b"x-request-id"])
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    childs = os.read(reader, 64)
    os.close(reader)
    parents, _ = asyncio.run(_call(Answer()))

    assert len(childs) == 32
    assert dict(parents[0]["headers"])[b"x-request-id"] != childs
