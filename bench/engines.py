"""The storage engines and the floor: wrk on `portico serve` (one granian worker, wrk -t2 -c32)
with no read cache, so every request reaches the store, next to a bare Litestar hello.

    uv run python bench/engines.py [--duration 10] [--only hello,sqlite,postgresql]

Each scenario starts the server on a free port, seeds one product, warms up, runs wrk on
GET /api/v1/products/{id} and prints req/s and latency percentiles. PostgreSQL uses
PORTICO_BENCH_POSTGRES_URL (default: the local server, database portico_bench).
Results go to stdout and bench/results/ (gitignored). Figures depend on the machine: compare
scenarios from one run, not across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get(
    "PORTICO_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_bench"
)


ADMIN_PASSWORD = "bench administrator secret"


def create_admin(url: str) -> str:
    """A new administrator of the database at `url` (password ADMIN_PASSWORD): its email."""
    email = f"bench-{time.time_ns()}@example.com"
    subprocess.run(
        [str(BIN / "portico"), "users", "create-admin", "--email", email],
        env=portico_env(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        input=ADMIN_PASSWORD,
        text=True,
    )
    return email


def bearer(base: str, email: str, password: str = ADMIN_PASSWORD) -> str:
    """The Authorization header of `email` signed in to the server at `base`."""
    login = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    return f"Bearer {login.json()['access_token']}"


_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and every process under it (granian serves from a child process)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (utime + stime) `pid` and the processes under it have spent so far."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICKS


def waited_for_cpu(pid: int) -> tuple[float, int, int]:
    """Seconds the threads of `pid` and the processes under it have spent runnable but not
    running (the scheduler's run queue, /proc/<tid>/schedstat's second field), how many times
    they were preempted (nonvoluntary context switches: the host's share of a tail) and how
    many times they went to sleep (voluntary ones: each a wake-up later)."""
    waited, preempted, slept = 0, 0, 0
    for member in process_tree(pid):
        for task in Path(f"/proc/{member}/task").glob("*"):
            try:
                waited += int((task / "schedstat").read_text().split()[1])
                status = (task / "status").read_text()
            except OSError:
                continue
            preempted += int(status.rsplit("nonvoluntary_ctxt_switches:", 1)[1].split()[0])
            slept += int(status.rsplit("\nvoluntary_ctxt_switches:", 1)[1].split()[0])
    return waited / 1e9, preempted, slept


def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server that serves `url` (its backends are its children), or None when it
    does not run on this machine: the parent of a backend of ours. Not the first `postgres`
    process found: the tests' private servers (tests/support/) come and go beside it, and one
    that ended mid-run stopped a comparison (FileNotFoundError on its /proc stat)."""

    def parent_of(pid: int) -> int | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # not a process of this machine
            return None
        return int(stat.rsplit(")", 1)[1].split()[1])

    async def parent_of_our_backend() -> int | None:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:  # read while it is connected: the backend ends with the connection
            return parent_of(await connection.fetchval("SELECT pg_backend_pid()"))
        finally:
            await connection.close()

    return asyncio.run(parent_of_our_backend())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], within: float = 90.0) -> None:
    deadline = time.monotonic() + within  # a busy 2-core machine can take 30 s to start one
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def server(
    command: list[str],
    env: dict[str, str],
    probe: str | None,
    within: float = 90.0,
    cwd: Path = ROOT,
) -> Iterator[int]:
    """Run `command` (in `cwd`) until the block ends (its pid); wait for `probe` to answer first
    (None: no port)."""
    # PORTICO_BENCH_LOGS=<dir>: each server's output kept there (a failed response's cause).
    logs = os.environ.get("PORTICO_BENCH_LOGS")
    out: Any = subprocess.DEVNULL
    if logs:
        out = (Path(logs) / f"{Path(command[0]).name}-{time.time_ns()}.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=out)
    try:
        if probe is not None:
            wait_until_up(probe, process, within)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(url: str, duration: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    args = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    subprocess.run([*args[:3], "-d2s", url], capture_output=True, check=True)  # warm-up
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": round(rps),
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def portico_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env.update(
        PORTICO_DATABASE_URL=database_url,
        PORTICO_LOG_LEVEL="WARNING",
        PORTICO_ACCESS_LOG="false",
        PORTICO_CACHE="none",
        # Background pollers (outbox relay, order projector) would compete for the one worker.
        PORTICO_BACKGROUND="off",
        **{f"PORTICO_{k.upper()}": v for k, v in extra.items()},
    )
    return env


def bench_portico(name: str, database_url: str, duration: int) -> dict[str, Any]:
    env = portico_env(database_url)
    portico = str(BIN / "portico")
    subprocess.run([portico, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    # Writes need catalog:write: an administrator made by the CLI seeds the product.
    admin = f"bench-{time.time_ns()}@example.com"
    subprocess.run(
        [portico, "users", "create-admin", "--email", admin],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        input=ADMIN_PASSWORD,
        text=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [portico, "serve", "--port", str(port), "--workers", "1"]
    with server(command, env, f"{base}/health/live"):
        login = httpx.post(
            f"{base}/api/v1/auth/login", json={"email": admin, "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        created = httpx.post(
            f"{base}/api/v1/products",
            json={
                "sku": f"BENCH-{time.time_ns()}",
                "name": "Bench",
                "price": {"amount": "1", "currency": "EUR"},
            },
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        created.raise_for_status()
        result = wrk(f"{base}/api/v1/products/{created.json()['id']}", duration)
    return {"scenario": name, "route": "GET /api/v1/products/{id}", **result}


def bench_hello(duration: int) -> dict[str, Any]:
    port = free_port()
    command = [
        str(BIN / "granian"),
        "--interface",
        "asgi",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
        "bench.hello:app",
    ]
    with server(command, dict(os.environ), f"http://127.0.0.1:{port}/"):
        result = wrk(f"http://127.0.0.1:{port}/", duration)
    return {"scenario": "floor: bare Litestar hello", "route": "GET /", **result}


async def _ensure_postgres() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.support.databases import recreate_database

    await recreate_database(POSTGRES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--only", default="hello,sqlite,postgresql")
    args = parser.parse_args()
    chosen = args.only.split(",")
    results = []
    if "hello" in chosen:
        results.append(bench_hello(args.duration))
    if "sqlite" in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            results.append(bench_portico("portico, SQLite", url, args.duration))
    if "postgresql" in chosen:
        asyncio.run(_ensure_postgres())
        results.append(bench_portico("portico, PostgreSQL", POSTGRES, args.duration))
    for row in results:
        print(json.dumps(row))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"engines-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
