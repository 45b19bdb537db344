"""wrk on POST /api/v1/orders: the latency of placing an order on PostgreSQL, p50/p99, and the
CPU each process spends per order.

`--mode embedded` (the default): one granian worker (`portico serve --workers 1`) with the
embedded defaults around it (memory cache, in-process bus and worker, in-process projector, fake
payments). `--mode split`: the same API with `PORTICO_BUS=nats` beside a `portico worker` that
runs the relay, the consumers and the projector (`PORTICO_BACKGROUND=worker`), as
bench/compare.py starts them. PostgreSQL is the store either way.
Each request places a one-line order (quantity 1) for one of --products products, round robin,
as an administrator signed in once: it reads the product, reserves its stock, appends
OrderPlaced and writes the outbox rows, in one transaction.

CPU per order is utime + stime over the measured run (bench/engines.py cpu_seconds) of the API
process tree and, split, of the worker, each counted from still to still (its CPU still for a
second before the run, and after it once it has drained what the run left it: the embedded API's
background work lags the requests too), divided by the orders placed. Beside it, what the host did
to the measured run: each process's time waiting for a CPU and its preemptions (all its threads'
schedstat and nonvoluntary switches), its wake-ups per order (voluntary switches), and PostgreSQL's
checkpoints and WAL syncs meanwhile (server-wide, like the load). `--checkout DIR` serves another
checkout's code (its own .venv), e.g. a `git worktree` of main, for before/after runs.

The database `portico_orders_bench` (--database-url or PORTICO_BENCH_DATABASE_URL) is dropped,
re-created and migrated first. A short warm-up runs before the measured wrk run.

    uv run python bench/orders.py --duration 5 --connections 16 [--mode split]
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
import uuid  # [adapter:nats]
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.engines import cpu_seconds, free_port, server, waited_for_cpu
from bench.run import ROOT, environment, reset_database

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_orders_bench"
NATS = os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222")  # [adapter:nats]
MODES = (
    "embedded",
    "split",  # [adapter:nats]
)


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


def _settings(args: argparse.Namespace) -> dict[str, str]:
    settings = {
        "PORTICO_DATABASE_URL": args.database_url,
        "PORTICO_LOG_LEVEL": "WARNING",
        "PORTICO_ACCESS_LOG": "false",
    }
    # [adapter:nats begin]
    if args.mode == "split":
        settings.update(
            PORTICO_BUS="nats",
            PORTICO_NATS_URL=NATS,
            PORTICO_NATS_NAMESPACE=f"orders{uuid.uuid4().hex[:6]}",
            PORTICO_BACKGROUND="worker",  # the relay, consumers and projector in the worker
        )
    # [adapter:nats end]
    return {**settings, "PORTICO_AUTH_DEV_KEY_FILE": str(Path(tempfile.mkdtemp()) / "key.json")}


def _seed(url: str, token: str, products: int) -> list[str]:
    ids = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for n in range(products):
            body = {
                "sku": f"ORDER-BENCH-{n:04d}",
                "name": f"Bench product {n}",
                "price": {"amount": "9.99", "currency": "EUR"},
                "stock": 1_000_000,
            }
            ids.append(http.post("/api/v1/products", json=body).raise_for_status().json()["id"])
    return ids


async def _database_counters(url: str) -> dict[str, int]:
    """The server's checkpoints and WAL flushes so far (all databases: the host's, as the CPU)."""
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)"
            " AS checkpoints, (SELECT wal_sync FROM pg_stat_wal) AS wal_sync"
        )
    finally:
        await connection.close()
    return dict(row)


def _drained(pid: int, within: float = 60.0) -> float:
    """The CPU seconds of `pid` once it has been still for a second (its backlog handled)."""
    deadline, last = time.monotonic() + within, cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_seconds(pid)
        if now - last < 0.02:
            return now
        last = now
    return last


@contextmanager
def _serving(
    args: argparse.Namespace, env: dict[str, str], checkout: Path
) -> Iterator[tuple[str, dict[str, int]]]:
    """The API (and, split, the worker) from `checkout`: its URL and the pids by role."""
    portico = str(checkout / ".venv" / "bin" / "portico")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        pids = {}
        if args.mode != "embedded":
            pids["worker"] = stack.enter_context(
                server([portico, "worker"], env, None, cwd=checkout)
            )
        serve = [portico, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        pids["api"] = stack.enter_context(server(serve, env, f"{url}/health/live", cwd=checkout))
        yield url, pids


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
    parser.add_argument("--mode", choices=MODES, default="embedded")
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    checkout = args.checkout.resolve()

    asyncio.run(reset_database(args.database_url))
    env = environment(_settings(args)) | dict(item.split("=", 1) for item in args.env)
    env["PYTHONPATH"] = str(checkout / "src")
    portico = str(checkout / ".venv" / "bin" / "portico")
    subprocess.run(
        [portico, "db", "upgrade"], env=env, cwd=checkout, check=True, capture_output=True
    )
    admin, password = f"bench-{time.time_ns()}@example.com", "bench administrator secret"
    subprocess.run(
        [portico, "users", "create-admin", "--email", admin],
        env=env,
        cwd=checkout,
        check=True,
        capture_output=True,
        input=password,
        text=True,
    )

    with _serving(args, env, checkout) as (url, pids):
        login = httpx.post(f"{url}/api/v1/auth/login", json={"email": admin, "password": password})
        token = login.raise_for_status().json()["access_token"]
        script = lua_script(_seed(url, token, args.products), token)
        run_wrk(url, script, args, args.warmup)
        # Each process counted from still to still: the embedded API's background work (relay,
        # consumers, projector) may lag the requests as the worker's does.
        before = {role: _drained(pid) for role, pid in pids.items()}
        database_before = asyncio.run(_database_counters(args.database_url))
        queued = {role: waited_for_cpu(pid) for role, pid in pids.items()}
        output = run_wrk(url, script, args, args.duration)
        queued = {
            role: tuple(b - a for a, b in zip(queued[role], waited_for_cpu(pid), strict=True))
            for role, pid in pids.items()
        }
        database = asyncio.run(_database_counters(args.database_url))
        database = {name: database[name] - database_before[name] for name in database}
        after = {role: _drained(pid) for role, pid in pids.items()}

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")
    rate = float(figure(r"Requests/sec:\s+([\d.]+)", output))
    total = int(figure(r"(\d+) requests in", output))
    p50, p99 = figure(r"(?m)^\s+50%\s+(\S+)", output), figure(r"(?m)^\s+99%\s+(\S+)", output)
    cpu = {role: (after[role] - before[role]) * 1e6 / total for role in pids}
    print(
        f"POST /api/v1/orders, wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"one granian worker, {args.mode}, PostgreSQL, {args.products} products, {checkout}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "| req/s | p50 | p99 | orders placed | CPU µs per order: API | worker "
        "| waited for a CPU, ms per s (preemptions per s): API | worker "
        "| wake-ups per order: API | worker "
        "| checkpoints | WAL syncs per order |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    worker = f"{cpu['worker']:.0f}" if "worker" in cpu else "-"
    waits = {
        role: f"{waited * 1e3 / args.duration:.0f} ({preempted / args.duration:.0f})"
        for role, (waited, preempted, _slept) in queued.items()
    }
    woken = {role: f"{slept / total:.2f}" for role, (_w, _p, slept) in queued.items()}
    print(
        f"| {rate:.0f} | {p50} | {p99} | {total} | {cpu['api']:.0f} | {worker} "
        f"| {waits['api']} | {waits.get('worker', '-')} "
        f"| {woken['api']} | {woken.get('worker', '-')} | {database['checkpoints']} "
        f"| {database['wal_sync'] / total:.2f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
