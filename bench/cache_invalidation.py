"""The staleness window between processes with the memory cache: how long after a write returned
on server A does server B still answer the old version?

    uv run python bench/cache_invalidation.py [--writes 200] [--database-url URL]

Two `portico serve` processes (one granian worker each, PORTICO_CACHE=memory, PORTICO_BUS=nats)
share PostgreSQL (database `portico_xcache_bench`, dropped and re-created; override with
--database-url or PORTICO_BENCH_DATABASE_URL) and a private nats-server on a free port (stopped
by its pid at the end). Two set-ups:

- `worker`: the relay runs in `portico worker` (polling every PORTICO_OUTBOX_POLL_INTERVAL,
  default 0.2 s), the usual set-up with NATS;
- `in-process`: PORTICO_BACKGROUND=serve on both servers, so the writer's commit wakes its
  own relay at once.

Each write: PATCH the product's name through A, then GET it from B in a tight loop until B
answers the new name (writes are spaced by a random pause of up to 0.3 s, so they do not fall in
step with the relay's polling). The window is the time from A's response to B's first new answer
(resolution: one GET, about a millisecond on loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.e2e.conftest import PORTICO, create_admin, portico_env, run_portico  # noqa: E402
from tests.support.databases import recreate_database  # noqa: E402
from tests.support.nats import PrivateNats  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_xcache_bench"
ADMIN, SECRET = "bench@example.com", "a bench administrator secret"


class Server:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [PORTICO, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=cwd,
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
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_listening(http: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = http.get("/api/v1/messaging/stats").json()
        if stats.get("listeners", {}).get("catalog-cache", {}).get("listening"):
            return
        time.sleep(0.05)
    raise RuntimeError("the server does not listen")


def measure(setup: str, database_url: str, writes: int, work: Path) -> list[float]:
    asyncio.run(recreate_database(database_url))
    with PrivateNats(work / f"nats-{setup}") as nats_server:
        env = portico_env(
            database_url=database_url,
            cache="memory",
            cache_ttl="3600",
            bus="nats",
            nats_url=nats_server.url,
            background="serve" if setup == "in-process" else "worker",
            access_log="false",
            log_level="WARNING",
            messaging_stats_interval="0",
        )
        assert run_portico("db", "upgrade", env=env, cwd=work).returncode == 0
        create_admin(env, work, ADMIN, SECRET)
        worker_env = {**env, "PORTICO_LOG_LEVEL": "INFO"}
        worker = WorkerProcess(worker_env, work).start() if setup == "worker" else None
        servers: list[Server] = []
        try:
            if worker is not None:
                worker.wait_for("worker.ready")
            servers = [Server(env, work), Server(env, work)]
            a = httpx.Client(base_url=servers[0].url)
            b = httpx.Client(base_url=servers[1].url)
            token = a.post("/api/v1/auth/login", json={"email": ADMIN, "password": SECRET})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            a.headers.update(headers)
            b.headers.update(headers)
            wait_listening(a)
            wait_listening(b)
            product = a.post(
                "/api/v1/products",
                json={"sku": "bench-1", "name": "v0", "price": {"amount": "1", "currency": "EUR"}},
            ).json()
            url = f"/api/v1/products/{product['id']}"
            time.sleep(1.0)  # let ProductCreated pass before B caches the product
            b.get(url)
            windows: list[float] = []
            pause = random.Random(7)
            for n in range(1, writes + 1):
                # A random pause, so writes do not fall in step with the relay's polling (each
                # write would otherwise land just after the relay went back to sleep).
                time.sleep(pause.uniform(0, 0.3))
                changed = a.patch(url, json={"name": f"v{n}"}, headers={"If-Match": f'"{n}"'})
                changed.raise_for_status()
                returned = time.perf_counter()
                while b.get(url).json()["name"] != f"v{n}":
                    if time.perf_counter() - returned > 30:
                        raise RuntimeError(f"B never saw write {n}")
                windows.append(time.perf_counter() - returned)
            return windows
        finally:
            for server in servers:
                server.stop()
            if worker is not None:
                worker.terminate()


def summary(windows: list[float]) -> str:
    ms = sorted(w * 1000 for w in windows)

    def rank(p: int) -> float:  # nearest rank: a window that was measured
        return ms[max(0, math.ceil(p / 100 * len(ms)) - 1)]

    return (
        f"p50 {rank(50):.1f} ms, p90 {rank(90):.1f} ms, p99 {rank(99):.1f} ms, "
        f"max {ms[-1]:.1f} ms, mean {statistics.fmean(ms):.1f} ms ({len(ms)} writes)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument(
        "--database-url", default=os.environ.get("PORTICO_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--setups", default="worker,in-process")
    args = parser.parse_args()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{platform.node()}: {os.cpu_count()} cores, load average {load}")
    with tempfile.TemporaryDirectory() as work:
        for setup in args.setups.split(","):
            windows = measure(setup, args.database_url, args.writes, Path(work))
            print(f"{setup:>10}: {summary(windows)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
