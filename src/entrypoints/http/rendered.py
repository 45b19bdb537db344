"""RenderedOnce: a route's response to an immutable value, rendered once per value object.

A cache that keeps values by reference (PORTICO_CACHE=memory) hands every hit the same object.
Rendering it again on each hit (the response schema's copy, the JSON encoding, Litestar's
Response and its headers) cost more CPU than the rest of the hit. `RenderedOnce` remembers the
encoded response (status, headers, body) of the value object it was rendered from, by identity,
for as long as that object lives: a value read again is another object and is rendered anew, so
nothing here can be staler than the value the handler was given (a write makes the cache forget
the old object, and the next read renders the new one). With a cache that decodes a new object on
each hit, or none, every response is rendered as before and forgotten with its value.

The replay is the bytes Litestar produced for the first request: the same status, headers and
body; what the middleware adds per request (request id, security headers) is added to it as to
any response. Use it only for routes whose response depends on the value alone (not on headers
of the request), with no after-request hook that changes responses, and with values whose class
can be weakly referenced (`weakref_slot=True` on a slotted dataclass).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.types import Receive, Scope, Send

from entrypoints.http.responses import Response


class RenderedOnce:
    """The responses of one route, by the identity of the value each was rendered from."""

    def __init__(self) -> None:
        self._responses: dict[int, tuple[weakref.ref[Any], _Remembered]] = {}

    def __len__(self) -> int:
        return len(self._responses)

    def __call__(self, value: object, render: Callable[[], Response[Any]]) -> Response[Any]:
        """`render()`'s response to `value`, rendered only the first time `value` is seen."""
        key = id(value)
        found = self._responses.get(key)
        if found is not None and found[0]() is value:
            return found[1]
        remembered = _Remembered(render())
        self._responses[key] = (weakref.ref(value, self._forget(key)), remembered)
        return remembered

    def _forget(self, key: int) -> Callable[[weakref.ref[Any]], None]:
        responses = self._responses

        def forget(dead: weakref.ref[Any]) -> None:
            # The id may already name a newer value's entry: drop only the dead one's.
            found = responses.get(key)
            if found is not None and found[0] is dead:
                del responses[key]

        return forget


class _Remembered(Response[Any]):
    """A response that Litestar turns into ASGI once; later requests replay that answer."""

    __slots__ = ("_inner", "_replay")

    def __init__(self, inner: Response[Any]) -> None:
        super().__init__(None)
        self._inner: Response[Any] | None = inner
        self._replay: _Replay | None = None

    def to_asgi_response(  # type: ignore[override]
        self, app: Any, request: Request[Any, Any, Any], **options: Any
    ) -> _Replay:
        if self._replay is None:
            assert self._inner is not None
            rendered = self._inner.to_asgi_response(app, request, **options)
            if rendered.background is not None:
                raise TypeError("a response with background tasks cannot be replayed")
            self._replay = _Replay(rendered.status_code, rendered.encode_headers(), rendered.body)
            self._inner = None  # its content (the schema's copy of the value) is no longer needed
        return self._replay


class _Replay:
    """An ASGI app that answers with the given status, headers and body, each time."""

    __slots__ = ("_body", "_headers", "_status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self._status, self._headers, self._body = status, headers, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A new list each time: the middleware appends its headers to the one it is sent.
        headers = list(self._headers)
        await send({"type": "http.response.start", "status": self._status, "headers": headers})
        await send({"type": "http.response.body", "body": self._body, "more_body": False})
