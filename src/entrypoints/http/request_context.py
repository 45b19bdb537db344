"""RequestContext: a request id for every request, bound to every log line, and one access line.

It wraps Litestar's whole ASGI handler (outside routing and exception handling), so unknown
routes, 405s and 500s get a request id and an access line too. With metrics on, it hands each
answered request to `observe`: method, route template (set in the scope by Litestar's routing;
None when nothing matched), status and seconds.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog

from application.messaging.context import bind_context
from entrypoints.http.security.headers import with_headers
from entrypoints.http.vary import with_vary
from entrypoints.logs import AccessLine

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
_clear = structlog.contextvars.clear_contextvars
_bind = structlog.contextvars.bind_contextvars
_perf_counter = time.perf_counter
# Request ids are drawn 256 at a time: one getrandom system call per request cost about 10 µs
# of system time under load over HTTP (bench/README.md, "W0 over HTTP"), 0.04 µs drawn so.
_IDS_PER_DRAW = 256
_ids: list[str] = []
if hasattr(os, "register_at_fork"):  # Windows has no fork
    os.register_at_fork(after_in_child=_ids.clear)  # a forked worker never repeats its parent's


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


class RequestContext:
    def __init__(
        self,
        app: ASGIApp,
        *,
        access: AccessLine | None = None,
        observe: Observe | None = None,
        headers: Headers | None = None,
    ) -> None:
        """`access`: writes the access line (entrypoints.logs; None: no line). `headers`: more
        headers each answer carries unless it sets them itself (the security headers, added
        here rather than by a layer of their own)."""
        self.app = app
        self.access = access
        self.observe = observe
        self.headers = headers
        # The names of each set of headers `headers` gives, found once (it gives a few sets).
        self._names: dict[tuple[tuple[bytes, bytes], ...], frozenset[bytes]] = {(): frozenset()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or _new_id()
        _clear()
        _bind(request_id=request_id)
        # Events this request commits carry its id as their correlation id.
        bind_context(correlation_id=request_id)
        header = (REQUEST_ID_HEADER, request_id.encode())
        extra = self.headers(scope) if self.headers is not None else ()
        names = self._names.get(extra)
        if names is None:
            names = self._names[extra] = frozenset(name for name, _ in extra)
        status = 500

        # A plain function that hands back the server's awaitable: no coroutine made per
        # message (bench/README.md, "W0 over HTTP").
        def send_with_id(message: Message) -> Awaitable[None]:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = (
                    with_headers(message.get("headers", ()), extra, names)
                    if extra
                    else list(message.get("headers", ()))
                )
                headers.append(header)
                message["headers"] = with_vary(headers, scope)
            return send(message)

        if self.access is None and self.observe is None:  # nothing to time
            await self.app(scope, receive, send_with_id)
            return
        started = _perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = _perf_counter() - started
            if self.observe is not None:
                self.observe(scope["method"], scope.get("path_template"), status, seconds)
            if self.access is not None:
                client = scope.get("client")
                self.access(scope["method"], scope["path"], status, seconds, client and client[0])


def _new_id() -> str:
    """128 random bits as 32 hex digits, like uuid4().hex, from the operating system's CSPRNG."""
    try:
        return _ids.pop()
    except IndexError:
        drawn = os.urandom(16 * _IDS_PER_DRAW).hex()
        _ids.extend(drawn[start : start + 32] for start in range(0, len(drawn), 32))
        return _ids.pop()


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode() if _SAFE_ID.fullmatch(value) else None
    return None
