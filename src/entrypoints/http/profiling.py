"""ProfileRequest: in development, `?profile` on any request answers pyinstrument's report of
that request (an HTML page) instead of its response.

Installed only with PORTICO_PROFILING=true, which the settings refuse outside development: the
report shows the code and its timings. pyinstrument is a development dependency, imported only
when the switch is on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from entrypoints.http.security.headers import ASGIApp, Message, Receive, Scope, Send


class ProfileRequest:
    def __init__(self, app: ASGIApp) -> None:
        try:
            from pyinstrument import Profiler
        except ImportError as error:  # an image built without the development dependencies
            raise RuntimeError(
                "PORTICO_PROFILING=true needs pyinstrument (a development dependency: uv sync)"
            ) from error
        self._profiler = Profiler
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "profile" not in parse_qs(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        ):
            await self.app(scope, receive, send)
            return
        status: list[Any] = []

        async def keep_status(message: Message) -> None:  # the report replaces the response
            if message["type"] == "http.response.start":
                status.append(message["status"])

        profiler = self._profiler(async_mode="enabled", interval=0.0005)
        with profiler:
            await self.app(scope, receive, keep_status)
        report = profiler.output_html().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(report)).encode()),
                    (b"x-profiled-status", str(status[0] if status else 0).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": report})
