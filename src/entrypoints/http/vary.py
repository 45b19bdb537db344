"""Vary that survives CORS: a route names the request headers its answer varies by here, and
RequestContext (outside the CORS middleware) adds them to the answer's Vary.

Litestar's CORS middleware sets `Vary: Origin` on a cross-origin answer by replacing the header,
so a Vary set by the route itself would be lost exactly for the browser front ends that send
X-Organisation-Id. The names travel in the ASGI scope, which every layer shares.
"""

from __future__ import annotations

from typing import Any

_KEY = "portico.vary"


def vary_by(scope: Any, *names: str) -> None:
    """The answer to this request varies by these request headers."""
    found: list[str] = scope.setdefault(_KEY, [])
    found.extend(name for name in names if name not in found)


def with_vary(headers: list[tuple[bytes, bytes]], scope: Any) -> list[tuple[bytes, bytes]]:
    """`headers` with the names vary_by gave added to Vary (once, whatever its case); the same
    list when there are none, as for most answers."""
    names: list[str] | None = scope.get(_KEY)
    if not names:
        return headers
    kept: list[str] = []
    rest = []
    for name, value in headers:
        if name.lower() == b"vary":
            kept += [part.strip() for part in value.decode("latin-1").split(",") if part.strip()]
        else:
            rest.append((name, value))
    present = {part.lower() for part in kept}
    kept += [name for name in names if name.lower() not in present]
    return [*rest, (b"vary", ", ".join(kept).encode("latin-1"))]
