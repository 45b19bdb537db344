"""The device a sign-in comes from, read off the request: the sign-in routes (password, second
factor, social) all open sessions with it."""

from __future__ import annotations

from typing import Any

from litestar import Request

from application.identity.sessions import Device


def device_of(request: Request[Any, Any, Any]) -> Device:
    """The User-Agent and the client address (the proxies' word for it only when they are
    trusted: entrypoints/http/security/proxies.py rewrote the scope's client)."""
    return Device(
        user_agent=request.headers.get("user-agent", ""),
        client_address=request.client.host if request.client else "",
    )
