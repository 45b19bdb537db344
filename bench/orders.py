"""wrk on POST /api/v1/orders: the latency of placing an order on PostgreSQL, p50/p99.

One granian worker (`portico serve --workers 1`) with the embedded defaults around it (memory
cache, in-process bus and worker, in-process projector, fake payments), PostgreSQL as the store.
Each request places a one-line order (quantity 1) for one of --products products, round robin,
as an administrator signed in once: it reads the product, reserves its stock, appends
OrderPlaced and writes the outbox rows, in one transaction.

The database `portico_orders_bench` (--database-url or PORTICO_BENCH_DATABASE_URL) is dropped,
re-created and migrated first. A short warm-up runs before the measured wrk run.

    uv run python bench/orders.py --duration 5 --connections 16
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.run import ROOT, Server, environment, portico, reset_database

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_orders_bench"


def lua_script(ids: list[str], token: str) -> str:
    bodies = ",".join(
        '\'{"lines": [{"product_id": "' + product_id + '", "quantity": 1}]}\'' for product_id in ids
    )
    return (
        f"local bodies = {{{bodies}}}\n"
        "local n = 0\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        "request = function()\n"
        "  n = n % #bodies + 1\n"
        '  return wrk.format("POST", "/api/v1/orders", nil, bodies[n])\n'
        "end\n"
    )


def run_wrk(url: str, script: str, args: argparse.Namespace, duration: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = [
            args.wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            lua.name,
            url,
        ]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(lua.name)


def figure(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"no {pattern!r} in wrk's output:\n{output}")
    return found.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("PORTICO_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = parser.parse_args()

    asyncio.run(reset_database(args.database_url))
    settings = {
        "PORTICO_DATABASE_URL": args.database_url,
        "PORTICO_LOG_LEVEL": "WARNING",
        "PORTICO_ACCESS_LOG": "false",
        "PORTICO_AUTH_DEV_KEY_FILE": str(Path(tempfile.mkdtemp()) / "bench-key.json"),
    }
    env = environment(settings)
    subprocess.run(portico("db", "upgrade"), env=env, cwd=ROOT, check=True, capture_output=True)
    admin, password = f"bench-{time.time_ns()}@example.com", "bench administrator secret"
    subprocess.run(
        portico("users", "create-admin", "--email", admin),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        input=password,
        text=True,
    )

    server = Server(settings)
    try:
        with httpx.Client(base_url=server.url) as http:
            login = http.post("/api/v1/auth/login", json={"email": admin, "password": password})
            token = login.raise_for_status().json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            ids = []
            for n in range(args.products):
                body = {
                    "sku": f"ORDER-BENCH-{n:04d}",
                    "name": f"Bench product {n}",
                    "price": {"amount": "9.99", "currency": "EUR"},
                    "stock": 1_000_000,
                }
                product = http.post("/api/v1/products", json=body).raise_for_status().json()
                ids.append(product["id"])
        script = lua_script(ids, token)
        run_wrk(server.url, script, args, args.warmup)
        output = run_wrk(server.url, script, args, args.duration)
    finally:
        server.stop()

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")
    rate = float(figure(r"Requests/sec:\s+([\d.]+)", output))
    total = int(figure(r"(\d+) requests in", output))
    p50, p99 = figure(r"50%\s+(\S+)", output), figure(r"99%\s+(\S+)", output)
    print(
        f"POST /api/v1/orders, wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"one granian worker, PostgreSQL, {args.products} products, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print("| req/s | p50 | p99 | orders placed |")
    print("| ---: | ---: | ---: | ---: |")
    print(f"| {rate:.0f} | {p50} | {p99} | {total} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
