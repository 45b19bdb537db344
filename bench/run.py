"""wrk on GET /api/v1/products/{id}: PostgreSQL with no cache, the memory cache, the Redis cache.

For each mode: one granian worker (`portico serve --workers 1`), a warm-up, then wrk for
--duration seconds over --products ids. Requests that reached the database are counted on the
PostgreSQL side: the change of pg_stat_database.xact_commit for the bench database (a cached
read runs no statement; an uncached one runs one SELECT in autocommit, i.e. one transaction).
PostgreSQL publishes those counters up to 10 s late, so each reading waits --settle seconds.

    uv run python bench/run.py --duration 10
    uv run python bench/run.py --modes memory --metrics off,on --rounds 3 --settle 0

--metrics off,on runs each mode without and with Prometheus metrics (PORTICO_METRICS_PORT), one
after the other, --rounds times, so the two see the same machine; the table ends with medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from redis import Redis  # [adapter:redis]
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_cache_bench"
MODES = (
    "none",
    "memory",
    "redis",  # [adapter:redis]
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(settings: dict[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    return {**inherited, "PYTHONPATH": str(ROOT / "src"), **settings}


def portico(*args: str) -> list[str]:
    return [sys.executable, "-m", "entrypoints.cli.main", *args]


async def reset_database(url: str) -> None:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()


async def transactions(url: str) -> int:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        count = await connection.scalar(
            text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :db"),
            {"db": target.database},
        )
    await admin.dispose()
    return int(count or 0)


class Server:
    def __init__(self, settings: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            portico("serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"),
            env=environment(settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health/live", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("portico serve did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk(url: str, ids: list[str], args: argparse.Namespace) -> tuple[float, str, int]:
    script = (
        "local ids = {"
        + ",".join(f'"{i}"' for i in ids)
        + "}\n"
        + (
            "local n = 0\n"
            "request = function()\n"
            "  n = n % #ids + 1\n"
            '  return wrk.format("GET", "/api/v1/products/" .. ids[n])\n'
            "end\n"
        )
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        output = subprocess.run(
            [
                args.wrk,
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                lua.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(lua.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", output).group(1)  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")
    return rate, p99, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("PORTICO_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    # [adapter:redis begin]
    parser.add_argument(
        "--redis-url", default=os.environ.get("PORTICO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    # [adapter:redis end]
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--metrics", default="off", help="off, on, or off,on (interleaved)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--settle", type=float, default=11.0)
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = parser.parse_args()

    asyncio.run(reset_database(args.database_url))
    prefix = f"portico-bench-{uuid.uuid4().hex[:8]}"
    base = {
        "PORTICO_DATABASE_URL": args.database_url,
        "PORTICO_LOG_LEVEL": "WARNING",
        "PORTICO_ACCESS_LOG": "false",
        "PORTICO_REDIS_URL": args.redis_url,  # [adapter:redis]
        "PORTICO_CACHE_PREFIX": prefix,
        # No background pollers (outbox relay, order projector): they run transactions of their
        # own, which would be counted as requests reaching PostgreSQL.
        "PORTICO_BACKGROUND": "off",
    }
    subprocess.run(
        portico("db", "upgrade"),
        env=environment(base),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    # Writes need catalog:write: an administrator made by the CLI seeds the products.
    admin, password = f"bench-{time.time_ns()}@example.com", "bench administrator secret"
    subprocess.run(
        portico("users", "create-admin", "--email", admin),
        env=environment(base),
        cwd=ROOT,
        check=True,
        input=password,
        text=True,
        capture_output=True,
    )
    seeder = Server({**base, "PORTICO_CACHE": "none"})
    ids = []
    with httpx.Client(base_url=seeder.url) as http:
        login = http.post("/api/v1/auth/login", json={"email": admin, "password": password})
        http.headers["Authorization"] = f"Bearer {login.raise_for_status().json()['access_token']}"
        for n in range(args.products):
            body = {
                "sku": f"BENCH-{n:04d}",
                "name": f"Bench product {n}",
                "price": {"amount": "9.99", "currency": "EUR"},
                "stock": 100,
            }
            ids.append(http.post("/api/v1/products", json=body).raise_for_status().json()["id"])
    seeder.stop()

    rows = []
    runs = [
        (mode, metrics)
        for _ in range(args.rounds)
        for mode in args.modes.split(",")
        for metrics in args.metrics.split(",")
    ]
    for mode, metrics in runs:
        port = str(free_port()) if metrics == "on" else "0"
        server = Server({**base, "PORTICO_CACHE": mode, "PORTICO_METRICS_PORT": port})
        try:
            with httpx.Client(base_url=server.url) as http:  # warm-up: every id once, twice
                for product_id in ids * 2:
                    http.get(f"/api/v1/products/{product_id}").raise_for_status()
            time.sleep(args.settle)
            before = asyncio.run(transactions(args.database_url))
            rate, p99, total = wrk(server.url, ids, args)
            time.sleep(args.settle)
            after = asyncio.run(transactions(args.database_url))
        finally:
            server.stop()
        # Each reading of the counter is itself one transaction on another database: none here.
        label = f"{mode}, metrics {metrics}"
        rows.append((label, rate, p99, total, after - before))
        print(
            f"{label}: {rate:.0f} req/s, p99 {p99}, {total} requests, "
            f"{after - before} reached PostgreSQL",
            flush=True,
        )

    # [adapter:redis begin]
    redis = Redis.from_url(args.redis_url)  # only our prefix: the server is shared
    for name in redis.scan_iter(match=f"{prefix}:*", count=500):
        redis.delete(name)
    # [adapter:redis end]
    print()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, one granian worker, "
        f"{args.products} products, GET /api/v1/products/{{id}}"
    )
    print("| cache | req/s | p99 | requests | reached PostgreSQL |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, rate, p99, total, db in rows:
        print(f"| {label} | {rate:.0f} | {p99} | {total} | {db} |")
    if args.rounds > 1:
        print()
        for label in dict.fromkeys(row[0] for row in rows):
            rates = [row[1] for row in rows if row[0] == label]
            print(f"{label}: median {statistics.median(rates):.0f} req/s over {len(rates)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
