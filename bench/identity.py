"""Identity figures: p50 of a login (argon2id with the default parameters) and of a token check;
the cost of authentication on one route, in-process; with --http, wrk on a real `portico serve`.

    uv run python bench/identity.py [--http]

In-process figures call the use cases directly (memory persistence), so they measure our code and
argon2, not HTTP. Figures vary by machine; record the machine with them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from application.identity.login import Login  # noqa: E402
from application.identity.register_user import RegisterUser  # noqa: E402
from entrypoints.container import build_container  # noqa: E402
from entrypoints.settings import AuthSettings, LoggingSettings, Settings  # noqa: E402

PASSWORD = "a long enough benchmark secret"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def in_process(logins: int, checks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            persistence="memory",
            logging=LoggingSettings(level="ERROR"),
            auth=AuthSettings(rate_limit_per_minute=1_000_000, dev_key_file=f"{tmp}/key.json"),
        )
        container = build_container(settings)
        await container.identity.register_user()(
            RegisterUser(email="bench@example.com", password=PASSWORD)
        )
        login = container.identity.login()
        times = []
        for _ in range(logins):
            started = time.perf_counter()
            pair = await login(Login(email="bench@example.com", password=PASSWORD))
            times.append(time.perf_counter() - started)
        cost = settings.passwords
        print(
            f"login (argon2id t={cost.time_cost} m={cost.memory_kib}KiB "
            f"p={cost.parallelism}), n={logins}: "
            f"p50 {ms(statistics.median(times))}, p90 {ms(percentile(times, 0.9))}"
        )
        full = container.identity.signature_verifier()
        times = []
        for _ in range(checks // 5):
            started = time.perf_counter()
            await full.verify(pair.access_token)
            times.append(time.perf_counter() - started)
        print(
            f"token check, full (Ed25519 signature + claims), n={checks // 5}: "
            f"p50 {us(statistics.median(times))}, p90 {us(percentile(times, 0.9))}"
        )
        authenticate = container.identity.authenticate()
        for _ in range(200):  # warm up
            await authenticate(pair.access_token)
        times = []
        for _ in range(checks):
            started = time.perf_counter()
            await authenticate(pair.access_token)
            times.append(time.perf_counter() - started)
        print(
            f"token check, as requests see it (verified-token cache + revocation record), "
            f"n={checks}: "
            f"p50 {us(statistics.median(times))}, p90 {us(percentile(times, 0.9))}"
        )


async def asgi_overhead(calls: int) -> None:
    """The same route (GET /api/v1/products, memory) called in-process through the whole ASGI app,
    public and then behind bearer authentication: the difference is what authentication costs."""
    from entrypoints.catalog.http.controller import ProductController
    from entrypoints.http.app import create_app
    from entrypoints.http.security.authentication import EXCLUDE_FROM_AUTH

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            persistence="memory",
            logging=LoggingSettings(level="ERROR", access_log=False),
            auth=AuthSettings(dev_key_file=f"{tmp}/key.json"),
        )
        container = build_container(settings)
        await container.identity.register_user()(
            RegisterUser(email="bench@example.com", password=PASSWORD)
        )
        pair = await container.identity.login()(Login(email="bench@example.com", password=PASSWORD))
        public_app = create_app(container)
        handler_opt = ProductController.list.opt
        handler_opt.pop(EXCLUDE_FROM_AUTH)
        try:
            guarded_app = create_app(container)
        finally:
            handler_opt[EXCLUDE_FROM_AUTH] = True
        bearer = [(b"authorization", f"Bearer {pair.access_token}".encode())]
        for label, app, headers in (
            ("public", public_app, []),
            ("bearer", guarded_app, bearer),
            ("no token", guarded_app, []),
        ):
            times = []
            for n in range(calls + 500):
                started = time.perf_counter()
                status = await _call(app, "/api/v1/products", headers)
                if n >= 500:  # the first ones warm up
                    times.append(time.perf_counter() - started)
            expected = 401 if label == "no token" else 200
            assert status == expected, (label, status)
            print(
                f"in-process ASGI GET /api/v1/products, {label:8} ({status}), n={calls}: "
                f"p50 {statistics.median(times) * 1e6:.0f} us"
            )


async def _call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, header: str | None, seconds: int) -> str:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%\s+(\S+)", output)
    return f"{float(rate.group(1)) if rate else 0:.0f} req/s, p50 {p50.group(1) if p50 else '?'}"


def http(seconds: int) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PORTICO_PERSISTENCE": "memory",
            "PORTICO_ACCESS_LOG": "false",
            "PORTICO_LOG_LEVEL": "WARNING",
            "PORTICO_AUTH_DEV_KEY_FILE": f"{tmp}/key.json",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/health/live", timeout=0.5)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            credentials = {"email": "bench@example.com", "password": PASSWORD}
            httpx.post(f"{base}/api/v1/auth/register", json=credentials).raise_for_status()
            tokens = httpx.post(f"{base}/api/v1/auth/login", json=credentials).json()
            header = f"Authorization: Bearer {tokens['access_token']}"
            print(f"wrk -t2 -c32 -d{seconds}s, one granian worker, memory persistence:")
            for label, path, auth in (
                ("GET /health/live (no auth, no work)", "/health/live", None),
                ("GET /api/v1/products (public, memory read)", "/api/v1/products", None),
                ("GET /api/v1/users/me (bearer, memory read)", "/api/v1/users/me", header),
            ):
                print(f"  {label:45} {wrk(base + path, auth, seconds)}")
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--checks", type=int, default=5000)
    parser.add_argument("--http", action="store_true", help="also run wrk on a real server")
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    asyncio.run(in_process(args.logins, args.checks))
    asyncio.run(asgi_overhead(args.checks))
    if args.http:
        http(args.seconds)


if __name__ == "__main__":
    main()
