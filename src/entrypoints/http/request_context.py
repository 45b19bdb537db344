"""RequestContext: a request id for every request, bound to every log line, and one access line.

It wraps Litestar's whole ASGI handler (outside routing and exception handling), so unknown
routes, 405s and 500s get a request id and an access line too. With metrics on, it hands each
answered request to `observe`: method, route template (set in the scope by Litestar's routing;
None when nothing matched), status and seconds.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog

from application.messaging.context import bind_context
from entrypoints.http.security.headers import with_headers
from entrypoints.http.vary import with_vary

# Plain ASGI types: this layer sits outside Litestar's typed scopes.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Observe = Callable[[str, str | None, int, float], None]
Headers = Callable[[Scope], tuple[tuple[bytes, bytes], ...]]

REQUEST_ID_HEADER = b"x-request-id"
# A caller's id is kept only if it is short and harmless in logs and headers.
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_access = structlog.get_logger("portico.access")


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


class RequestContext:
    def __init__(
        self,
        app: ASGIApp,
        *,
        access_log: bool = True,
        observe: Observe | None = None,
        headers: Headers | None = None,
    ) -> None:
        """`headers`: more headers each answer carries unless it sets them itself (the
        security headers, added here rather than by a layer of their own)."""
        self.app = app
        self.access_log = access_log
        self.observe = observe
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # Events this request commits carry its id as their correlation id.
        bind_context(correlation_id=request_id)
        header = (REQUEST_ID_HEADER, request_id.encode())
        extra = self.headers(scope) if self.headers is not None else ()
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                message["headers"] = with_vary([*with_headers(headers, extra), header], scope)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if self.observe is not None:
                self.observe(scope["method"], scope.get("path_template"), status, seconds)
            if self.access_log:
                _access.info(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round(seconds * 1000, 2),
                    client=_client(scope),
                )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode() if _SAFE_ID.fullmatch(value) else None
    return None


def _client(scope: Scope) -> Any:
    client = scope.get("client")
    return client[0] if client else None
