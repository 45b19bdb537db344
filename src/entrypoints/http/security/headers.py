"""SecurityHeaders: the response headers every API answer carries (not the health probes').

The API's CSP allows nothing (JSON needs no scripts, frames or styles); the OpenAPI pages under
/schema load their viewer's scripts, so they get no CSP but keep the rest. HSTS is sent when the
request came over TLS or PORTICO_HSTS=true (behind a TLS-terminating proxy).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


# Each combination built once: (API, HSTS) -> the headers.
_SETS = {
    (api, hsts): (*_ALWAYS, *([_API_CSP] if api else []), *([_HSTS] if hsts else []))
    for api in (True, False)
    for hsts in (True, False)
}


def security_headers(scope: Scope, *, hsts: bool = False) -> tuple[tuple[bytes, bytes], ...]:
    """The headers the answer to `scope` carries (RequestContext adds them when profiling is
    off: one ASGI layer fewer on every request). None on the health probes': orchestrators and
    balancers read them, no browser renders them, and these headers only instruct browsers;
    there they were 287 of a probe answer's 427 bytes, merged and sent on every probe."""
    path = scope["path"]
    if path.startswith("/health/"):
        return ()
    return _SETS[not path.startswith("/schema"), hsts or scope.get("scheme") == "https"]


def with_headers(
    headers: Iterable[tuple[bytes, bytes]],
    extra: tuple[tuple[bytes, bytes], ...],
    names: Container[bytes] | None = None,
) -> list[tuple[bytes, bytes]]:
    """A new list: `headers` and those of `extra` it does not set already. `names`: extra's
    header names, if the caller has them at hand (the answers of RequestContext, on every
    request: a set built per answer cost about 2x this whole function over HTTP)."""
    result = list(headers)
    if names is None:
        names = {name for name, _ in extra}
    for name, _ in result:
        if name.lower() in names:  # rare: the app set one of them itself
            present = {name.lower() for name, _ in result}
            result += [header for header in extra if header[0] not in present]
            return result
    result += extra
    return result


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope, hsts=self.hsts)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_headers(message.get("headers", ()), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)
