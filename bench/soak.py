"""A soak: a bounded mixed load on `portico serve` and `portico worker` for minutes.

The stack a production deployment runs: one `portico serve` (granian, one worker process) and one
`portico worker` (outbox relay, consumers, order projector), PostgreSQL as the store, Redis as the
cache, NATS JetStream as the bus. Redis and NATS are private servers on free ports (NATS with its
monitoring endpoint), so their connection counts are ours alone; PostgreSQL is the shared server,
with a database of the soak's own (dropped and re-created first).

`--concurrency` tasks each loop over a weighted mix (`MIX`): product reads (one product, or a page
of the list), product writes (PATCH of the task's own product, so two tasks never race on one
version), orders (one line on one of the task's own products, as the task's staff account) and
sign-ins (the task's account; the new token is used from then on). Every answer other than the
expected status is an error; so is every error line in the two processes' logs.

After `--warmup` seconds (pools filled, caches warm) and at the end, with the load still running,
it samples: the resident memory (RSS) of the server's process tree and of the worker, and the
open connections: PostgreSQL `pg_stat_activity` rows for the soak's database, Redis `CLIENT LIST`
(minus the probe's own), NATS `/connz`. Latency p50/p99 per kind are over the measured part only.

    uv run python bench/soak.py --duration 300
    uv run python bench/soak.py --duration 30 --warmup 10 --json result.json   # what e2e runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.e2e.conftest import create_admin, portico_env, run_portico  # noqa: E402
from tests.support.databases import recreate_database  # noqa: E402
from tests.support.redis import PrivateRedis  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402

from bench.soak_stack import (  # noqa: E402
    MonitoredNats,
    Server,
    bad,
    nats_connections,
    postgres_connections,
    redis_connections,
    rss_mib,
)

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_soak"
ADMIN, SECRET = "soak-admin@example.com", "a soak administrator secret"
# Kind -> (weight, expected status).
MIX = {"read": (60, 200), "write": (15, 200), "order": (15, 201), "sign-in": (10, 200)}


@dataclass
class Sample:
    at: float  # seconds since the load began
    server_rss_mib: float
    worker_rss_mib: float
    postgres: int
    redis: int
    nats: int


@dataclass
class Result:
    duration: float
    warmup: float
    concurrency: int
    requests: dict[str, int] = field(default_factory=dict)
    p50_ms: dict[str, float] = field(default_factory=dict)
    p99_ms: dict[str, float] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    log_errors: list[dict[str, Any]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    # Seconds from the end of the load until the outbox was empty and no consumer lagged
    # (the worker caught up); None if it did not within a minute.
    drained_after: float | None = None

    @property
    def error_count(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.errors.values()) + len(self.log_errors)


# -- the load -----------------------------------------------------------------------------------


@dataclass
class Account:
    email: str
    token: str = ""


@dataclass
class Plan:
    """What each task works on: its own account, product to change and products to order."""

    admin_token: str
    read_ids: list[str]
    accounts: list[Account]
    write_ids: list[str]
    order_ids: list[list[str]]


class Load:
    def __init__(self, http: httpx.AsyncClient, plan: Plan, measure_from: float) -> None:
        self.http = http
        self.plan = plan
        self.measure_from = measure_from
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.requests: Counter[str] = Counter()
        self.errors: dict[str, Counter[str]] = defaultdict(Counter)
        self.kinds = list(MIX)
        self.weights = [weight for weight, _ in MIX.values()]

    async def run(self, task: int, until: float) -> None:
        rng = random.Random(task)
        account = self.plan.accounts[task]
        while time.monotonic() < until:
            kind = rng.choices(self.kinds, self.weights)[0]
            started = time.monotonic()
            try:
                response = await self.one(kind, task, account, rng)
                outcome = str(response.status_code)
                ok = response.status_code == MIX[kind][1]
            except httpx.HTTPError as error:
                outcome, ok = type(error).__name__, False
            finished = time.monotonic()
            if not ok:
                self.errors[kind][outcome] += 1
            if started >= self.measure_from:
                self.requests[kind] += 1
                self.latencies[kind].append((finished - started) * 1000)

    async def one(
        self, kind: str, task: int, account: Account, rng: random.Random
    ) -> httpx.Response:
        auth = {"Authorization": f"Bearer {account.token}"}
        if kind == "read":
            if rng.random() < 0.8:
                return await self.http.get(f"/api/v1/products/{rng.choice(self.plan.read_ids)}")
            return await self.http.get("/api/v1/products", params={"limit": 20})
        if kind == "write":
            product = self.plan.write_ids[task]
            body = {"name": f"Soak product {task} {rng.randrange(1_000_000)}"}
            return await self.http.patch(f"/api/v1/products/{product}", json=body, headers=auth)
        if kind == "order":
            line = {"product_id": rng.choice(self.plan.order_ids[task]), "quantity": 1}
            return await self.http.post("/api/v1/orders", json={"lines": [line]}, headers=auth)
        response = await self.http.post(
            "/api/v1/auth/login", json={"email": account.email, "password": SECRET}
        )
        if response.status_code == 200:
            account.token = response.json()["access_token"]
        return response


def seed(base: str, concurrency: int, products: int) -> Plan:
    """Products to read, one product per task to change, two per task to order from, and a
    staff account per task (catalog:write and orders:create)."""

    def product(sku: str, stock: int) -> dict[str, Any]:
        price = {"amount": "9.99", "currency": "EUR"}
        return {"sku": sku, "name": f"Soak {sku}", "price": price, "stock": stock}

    with httpx.Client(base_url=base, timeout=30) as http:
        login = http.post("/api/v1/auth/login", json={"email": ADMIN, "password": SECRET})
        admin_token = login.raise_for_status().json()["access_token"]
        http.headers["Authorization"] = f"Bearer {admin_token}"

        def create(sku: str, stock: int) -> str:
            made = http.post("/api/v1/products", json=product(sku, stock)).raise_for_status()
            return str(made.json()["id"])

        read_ids = [create(f"SOAK-READ-{n}", 10) for n in range(products)]
        write_ids = [create(f"SOAK-WRITE-{n}", 10) for n in range(concurrency)]
        order_ids = [
            [create(f"SOAK-ORDER-{n}-{k}", 10_000_000) for k in range(2)]
            for n in range(concurrency)
        ]
        accounts = []
        for n in range(concurrency):
            email = f"soak-{n}@example.com"
            credentials = {"email": email, "password": SECRET}
            http.post("/api/v1/auth/register", json=credentials).raise_for_status()
            signed_in = httpx.post(f"{base}/api/v1/auth/login", json=credentials)
            token = signed_in.raise_for_status().json()["access_token"]
            me = httpx.get(f"{base}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
            user_id = me.raise_for_status().json()["id"]
            http.patch(f"/api/v1/users/{user_id}", json={"roles": ["staff"]}).raise_for_status()
            account = Account(email)
            signed_in = httpx.post(f"{base}/api/v1/auth/login", json=credentials)
            account.token = signed_in.raise_for_status().json()["access_token"]
            accounts.append(account)
    return Plan(admin_token, read_ids, accounts, write_ids, order_ids)


async def drained(http: httpx.AsyncClient, admin_token: str) -> float | None:
    """Seconds until the outbox is empty and every consumer caught up, or None (a minute)."""
    began = time.monotonic()
    while time.monotonic() - began < 60:
        stats = await http.get(
            "/api/v1/messaging/stats", headers={"Authorization": f"Bearer {admin_token}"}
        )
        found = stats.raise_for_status().json()
        lags = [n for c in found["consumers"].values() for n in c["lag"].values()]
        if found["outbox_backlog"] == 0 and not any(lags):
            return round(time.monotonic() - began, 1)
        await asyncio.sleep(0.2)
    return None


async def sample(
    began: float, server: Server, worker: WorkerProcess, urls: dict[str, str]
) -> Sample:
    assert worker.process is not None
    if worker.process.poll() is not None:
        raise RuntimeError(f"portico worker exited: {worker.lines[-10:]}")
    if server.process.poll() is not None:
        raise RuntimeError(f"portico serve exited: {server.lines()[-10:]}")
    return Sample(
        at=round(time.monotonic() - began, 1),
        server_rss_mib=round(rss_mib(server.process.pid), 1),
        worker_rss_mib=round(rss_mib(worker.process.pid), 1),
        postgres=await postgres_connections(urls["database"]),
        redis=await asyncio.to_thread(redis_connections, urls["redis"]),
        nats=await asyncio.to_thread(nats_connections, urls["nats_monitor"]),
    )


async def drive(
    server: Server,
    worker: WorkerProcess,
    plan: Plan,
    args: argparse.Namespace,
    urls: dict[str, str],
) -> Result:
    result = Result(duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
    began = time.monotonic()
    measure_from, until = began + args.warmup, began + args.warmup + args.duration
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as http:
        load = Load(http, plan, measure_from)
        tasks = [asyncio.create_task(load.run(n, until)) for n in range(args.concurrency)]
        try:
            await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
            result.samples.append(await sample(began, server, worker, urls))
            print(f"after warm-up: {result.samples[-1]}", flush=True)
            while (left := until - time.monotonic()) > 1:
                await asyncio.sleep(min(args.sample_every, left - 0.5))
                result.samples.append(await sample(began, server, worker, urls))
                print(f"  {result.samples[-1]}", flush=True)
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        result.drained_after = await drained(http, plan.admin_token)
    result.requests = dict(load.requests)
    for kind, latencies in load.latencies.items():
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        result.p50_ms[kind], result.p99_ms[kind] = round(cuts[49], 2), round(cuts[98], 2)
    result.errors = {kind: dict(counts) for kind, counts in load.errors.items()}
    return result


def run(args: argparse.Namespace) -> Result:
    # The processes get the settings given here alone: an unknown PORTICO_ variable (this
    # script's own PORTICO_BENCH_DATABASE_URL) would stop them.
    for name in [name for name in os.environ if name.startswith("PORTICO_")]:
        del os.environ[name]
    asyncio.run(recreate_database(args.database_url))
    work = Path(tempfile.mkdtemp(prefix="portico-soak-"))
    redis = PrivateRedis(free_port())
    nats = MonitoredNats(work / "nats")
    redis.start()
    try:
        nats.start()
        env = portico_env(
            database_url=args.database_url,
            cache="redis",
            redis_url=redis.url,
            bus="nats",
            nats_url=nats.url,
            nats_namespace="soak",
            background="worker",  # relay, consumers and projector in `portico worker`
            log_format="json",
            log_level="WARNING",
            access_log="false",
            messaging_stats_interval="0",
            # Under the default (20) and the concurrency, so that the warm-up fills the Redis
            # pool as it fills PostgreSQL's: connections are then compared with full pools.
            redis_pool_size="8",
            # Every task signs in from 127.0.0.1: the per-address limit would refuse them.
            rate_limit_auth_per_minute="1000000",
        )
        migrated = run_portico("db", "upgrade", env=env, cwd=work)
        if migrated.returncode != 0:
            raise RuntimeError(migrated.stderr)
        create_admin(env, work, ADMIN, SECRET)
        worker = WorkerProcess(env, work).start()
        server = Server(env, work)
        try:
            plan = seed(server.url, args.concurrency, args.products)
            urls = {
                "database": args.database_url,
                "redis": redis.url,
                "nats_monitor": nats.monitor,
            }
            result = asyncio.run(drive(server, worker, plan, args, urls))
        finally:
            server.stop()
            worker.terminate()
        result.log_errors = [line for line in [*server.lines(), *worker.lines] if bad(line)]
    finally:
        nats.stop()
        redis.kill()
        shutil.rmtree(work, ignore_errors=True)
    return result


def report(result: Result) -> None:
    start, end = result.samples[0], result.samples[-1]
    print()
    print(
        f"soak: {result.duration:.0f} s measured after {result.warmup:.0f} s of warm-up, "
        f"{result.concurrency} concurrent clients, one granian worker + one portico worker, "
        f"PostgreSQL + Redis + NATS; {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("| kind | requests | req/s | p50 | p99 | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in MIX:
        count = result.requests.get(kind, 0)
        errors = sum(result.errors.get(kind, {}).values())
        print(
            f"| {kind} | {count} | {count / result.duration:.0f} | "
            f"{result.p50_ms.get(kind, 0):.1f} ms | {result.p99_ms.get(kind, 0):.1f} ms | "
            f"{errors} |"
        )
    print()
    print("| | RSS server | RSS worker | PostgreSQL | Redis | NATS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, s in (("after warm-up", start), ("end", end)):
        print(
            f"| {name} | {s.server_rss_mib:.1f} MiB | {s.worker_rss_mib:.1f} MiB | "
            f"{s.postgres} | {s.redis} | {s.nats} |"
        )
    print()
    print(f"outbox empty and consumers caught up {result.drained_after} s after the load")
    print(f"unexpected statuses: {result.errors or 'none'}")
    print(f"error lines in the logs: {len(result.log_errors)}")
    for line in result.log_errors[:10]:
        print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("PORTICO_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--duration", type=float, default=300, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=30, help="seconds before measuring")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--products", type=int, default=100, help="products to read")
    parser.add_argument("--sample-every", type=float, default=30, help="seconds between samples")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    result = run(args)
    report(result)
    if args.json is not None:
        payload = {**asdict(result), "error_count": result.error_count}
        args.json.write_text(json.dumps(payload, indent=2))
    return 1 if result.error_count or result.drained_after is None else 0


if __name__ == "__main__":
    sys.exit(main())
