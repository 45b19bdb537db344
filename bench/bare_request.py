"""What one bare request costs in process: `GET /health/live` through the ASGI app, no server.

    make bench-bare
    uv run python -m bench.bare_request [--rounds 6] [--requests 6400] [--concurrency 32]

Each setup is driven the same way: --concurrency coroutines on uvloop call the ASGI app with a
prepared scope until --requests have been answered; the figure is the process's CPU time per
request (time.process_time, so other work on the machine disturbs it less than wall time). The
setups take turns, round after round, and the median per setup is printed with the load average.

    floor     bench/floor.py's bare Litestar app
    litestar  Portico's Litestar app without its outer layer (middleware, hooks, plugins)
    context   + RequestContext without the access line (request id, log context, headers)
    access    + the JSON access line (PORTICO_ACCESS_LOG=true, the default), written to /dev/null

Persistence is memory, so no database is involved; stdout goes to /dev/null while measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import uvloop

from bench.floor import app as floor_app
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.http.request_context import RequestContext
from entrypoints.http.security.headers import security_headers
from entrypoints.settings import LoggingSettings, Settings

App = Callable[..., Any]
_DEVNULL = open(os.devnull, "w")  # noqa: SIM115 (open for the process's life)


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _setups() -> dict[str, App]:
    settings = Settings(
        environment="development",  # caches loggers, as production does
        persistence="memory",
        logging=LoggingSettings(format="json", access_log=True),
    )
    app = create_app(build_container(settings))
    outer = app.asgi_handler
    assert isinstance(outer, RequestContext), "a trusted-proxy layer is not measured here"
    inner = outer.app
    headers = partial(security_headers, hsts=False)
    access = outer.access
    assert access is not None

    def through(handler: Any) -> App:
        async def call(scope: Any, receive: Any, send: Any) -> None:
            scope["app"] = scope["litestar_app"] = app
            await handler(scope, receive, send)

        return call

    return {
        "floor": floor_app,
        "litestar": through(inner),
        "context": through(RequestContext(inner, headers=headers)),
        "access": through(RequestContext(inner, access=access, headers=headers)),
    }


async def _drive(app: App, requests: int, concurrency: int) -> float:
    """CPU seconds per answered request."""
    statuses: list[int] = []
    left = requests

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await app(_scope("/health/live"), _receive, send)

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    spent = time.process_time() - started
    assert set(statuses) == {200}, set(statuses)
    return spent / len(statuses)


async def _main(rounds: int, requests: int, concurrency: int) -> None:
    setups = _setups()
    results: dict[str, list[float]] = {name: [] for name in setups}
    stdout = sys.stdout
    sys.stdout = _DEVNULL  # the access lines
    try:
        for app in setups.values():  # warm-up: imports, caches, first-use paths
            await _drive(app, 500, concurrency)
        for _ in range(rounds):
            for name, app in setups.items():
                results[name].append(await _drive(app, requests, concurrency))
    finally:
        sys.stdout = stdout
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {rounds} rounds of {requests}")
    floor = statistics.median(results["floor"])
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:9} {median * 1e6:6.1f} µs/request  floor/this {floor / median:4.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=6400)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    uvloop.run(_main(args.rounds, args.requests, args.concurrency))


if __name__ == "__main__":
    main()
