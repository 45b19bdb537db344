"""wrk on the catalog's routes served from PostgreSQL and from Redis (`PORTICO_PERSISTENCE=redis`).

    uv run python bench/stores_http.py [--duration 10] [--fsync everysec]

The sample cannot serve on Redis while it has the ordering context (refused at start-up), so this
script makes the fork a Redis team would have: it clones this checkout's last commit into a
temporary directory and removes ordering there (`python -m tools.contexts ordering`). Then, per
store, with `PORTICO_CACHE=none` and no background work, as `make bench`:
- PostgreSQL: `portico_stores_http_bench`, dropped, re-created and migrated;
- Redis: a redis-server of its own on a free port, `--appendonly yes --appendfsync <fsync>` in a
  temporary directory (the durability the store requires), stopped at the end by its pid;
an administrator made by the CLI, 100 products created over HTTP, then wrk (`-t1 -c32`) on
`GET /api/v1/products/{id}` and on `POST /api/v1/products/{id}/stock-adjustments`.
Needs wrk, git, redis-server and PostgreSQL on loopback (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.run import ROOT, free_port, reset_database

POSTGRES = os.environ.get(
    "PORTICO_BENCH_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_stores_http_bench",
)


class Fork:
    """This checkout's last commit without the ordering context, in a temporary directory."""

    def __init__(self, where: Path) -> None:
        self.root = where / "fork"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(self.root)], check=True)
        self.run_python("-m", "tools.contexts", "ordering")

    def environment(self, settings: dict[str, str]) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
        return {**inherited, "PYTHONPATH": str(self.root / "src"), **settings}

    def run_python(
        self, *args: str, settings: dict[str, str] | None = None, stdin: str = ""
    ) -> None:
        subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.environment(settings or {}),
            input=stdin,
            text=True,
            check=True,
            capture_output=True,
        )

    def portico(self, settings: dict[str, str], *args: str, stdin: str = "") -> None:
        self.run_python("-m", "entrypoints.cli.main", *args, settings=settings, stdin=stdin)

    def serve(self, settings: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)],
            cwd=self.root,
            env=self.environment(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                    return process, url
            except httpx.TransportError:
                time.sleep(0.1)
        process.kill()
        raise RuntimeError("portico serve did not start")


def redis_server(directory: Path, fsync: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "yes", "--appendfsync", fsync, "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def wrk(url: str, requests: list[str], duration: int) -> str:
    """One row's figures: req/s, p50, p99, requests, non-2xx (409s: two writers, one product)."""
    script = (
        "local r = {}\nlocal n = 0\n"
        "init = function(args)\n  r = {" + ", ".join(requests) + "}\nend\n"
        "request = function()\n  n = n % #r + 1\n  return r[n]\nend\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", "-c32", f"-d{duration}s", "--latency", "-s", lua.name, url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(lua.name)

    def find(pattern: str) -> str:
        found = re.search(pattern, out)
        return found.group(1) if found else "0"

    rate = float(find(r"Requests/sec:\s+([\d.]+)"))
    p50, p99 = find(r"50%\s+(\S+)"), find(r"99%\s+(\S+)")
    total, failed = find(r"(\d+) requests in"), find(r"Non-2xx or 3xx responses: (\d+)")
    return f"{rate:.0f} | {p50} | {p99} | {total} | {failed}"


def measure(fork: Fork, name: str, settings: dict[str, str], duration: int) -> list[str]:
    admin, password = f"bench-{time.time_ns()}@example.com", "bench administrator secret"
    fork.portico(settings, "users", "create-admin", "--email", admin, stdin=password)
    server, url = fork.serve(settings)
    try:
        with httpx.Client(base_url=url) as http:
            login = http.post("/api/v1/auth/login", json={"email": admin, "password": password})
            token = login.raise_for_status().json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            ids = []
            for n in range(100):
                body = {
                    "sku": f"BENCH-{n:04d}",
                    "name": f"Bench product {n}",
                    "price": {"amount": "9.99", "currency": "EUR"},
                    "stock": 100,
                }
                ids.append(http.post("/api/v1/products", json=body).raise_for_status().json()["id"])
        reads = [f'wrk.format("GET", "/api/v1/products/{i}")' for i in ids]
        headers = f'{{["Authorization"]="Bearer {token}", ["Content-Type"]="application/json"}}'
        body = '\'{"delta": 1, "reason": "bench"}\''
        writes = [
            f'wrk.format("POST", "/api/v1/products/{i}/stock-adjustments", {headers}, {body})'
            for i in ids
        ]
        return [
            f"| {name} | GET /products/{{id}} | {wrk(url, reads, duration)} |",
            f"| {name} | POST .../stock-adjustments | {wrk(url, writes, duration)} |",
        ]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--fsync", choices=("everysec", "always"), default="everysec")
    args = parser.parse_args()
    common = {"PORTICO_CACHE": "none", "PORTICO_BACKGROUND": "off"}
    with tempfile.TemporaryDirectory() as where:
        common["PORTICO_AUTH_DEV_KEY_FILE"] = str(Path(where) / "key.json")
        fork = Fork(Path(where))
        print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores", flush=True)
        print("| store | route | req/s | p50 | p99 | requests | non-2xx |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |", flush=True)
        asyncio.run(reset_database(POSTGRES))
        postgres = {**common, "PORTICO_DATABASE_URL": POSTGRES}
        fork.portico(postgres, "db", "upgrade")
        for row in measure(fork, "PostgreSQL", postgres, args.duration):
            print(row, flush=True)
        (Path(where) / "aof").mkdir()
        redis, url = redis_server(Path(where) / "aof", args.fsync)
        try:
            settings = {**common, "PORTICO_PERSISTENCE": "redis", "PORTICO_REDIS_URL": url}
            for row in measure(fork, f"Redis (AOF {args.fsync})", settings, args.duration):
                print(row, flush=True)
        finally:
            redis.send_signal(signal.SIGTERM)
            redis.wait(timeout=15)
        print(f"load average after {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
