"""What an idle Portico costs, and how soon a commit reaches its consumer: `make bench-idle`.

    uv run python -m bench.idle [--idle 30] [--events 200] [--setups serve,worker]

Setups, each on a fresh PostgreSQL database (PORTICO_BENCH_POSTGRES_URL, default portico_bench):

    serve   `portico serve` (one granian worker) with the in-process bus: the relay, the consumers,
            the order projector and the housekeeping run inside it
    worker  `portico serve` beside `portico worker`, over NATS (PORTICO_BENCH_NATS_URL): the worker
            relays, consumes and projects; the server only writes

For each: start, wait --warmup seconds, then for --idle seconds count each process's CPU (utime +
stime of it and its children, /proc/<pid>/stat) and the transactions PostgreSQL ran for the
database (pg_stat_database xact_commit + xact_rollback, read from another database so the
readings are not counted; PostgreSQL publishes them up to 10 s late, hence --settle). Then
--events times: POST a product and wait for its audit entry (a trigger on audit_log, added here,
NOTIFYs the bench), one at a time with a random pause of up to 100 ms; latency runs from the
POST's response (the commit is just before it) to the notification. Prints a table and writes
bench/results/idle-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench.compare import _create_admin, _token
from bench.engines import (
    ADMIN_PASSWORD,
    BIN,
    POSTGRES,
    ROOT,
    cpu_seconds,
    free_port,
    portico_env,
    server,
)

SETUPS = ("serve", "worker")


def _plain(url: str) -> str:
    return url.replace("+asyncpg", "")


async def _transactions(url: str) -> int:
    database = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(_plain(url).rsplit("/", 1)[0] + "/postgres")
    try:
        return int(
            await admin.fetchval(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1",
                database,
            )
        )
    finally:
        await admin.close()


def _prepare(url: str) -> None:
    import subprocess
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.support.databases import recreate_database

    asyncio.run(recreate_database(url))
    subprocess.run([str(BIN / "portico"), "db", "upgrade"], env=portico_env(url), check=True)
    asyncio.run(_audit_trigger(url))


async def _audit_trigger(url: str) -> None:
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute(
            """
            CREATE FUNCTION bench_audited() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('bench_audited', NEW.aggregate_id::text); RETURN NULL; END $$;
            CREATE TRIGGER bench_audited AFTER INSERT ON audit_log
                FOR EACH ROW EXECUTE FUNCTION bench_audited();
            """
        )
    finally:
        await connection.close()


def _env(setup: str, url: str) -> dict[str, str]:
    env = portico_env(url)
    env["PORTICO_BACKGROUND"] = "auto"
    # [adapter:nats begin]
    if setup == "worker":
        env.update(
            PORTICO_BUS="nats",
            PORTICO_NATS_URL=os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222"),
            PORTICO_NATS_NAMESPACE=f"idle{uuid.uuid4().hex[:6]}",
        )
    # [adapter:nats end]
    return env


def _pids_of(setup: str) -> list[str]:
    return ["serve", "worker"] if setup == "worker" else ["serve"]


async def _latencies(url: str, base: str, token: str, events: int) -> list[float]:
    arrived: dict[str, float] = {}
    signal = asyncio.Event()

    def heard(*args: Any) -> None:
        arrived[args[3]] = time.perf_counter()
        signal.set()

    listener = await asyncpg.connect(_plain(url))
    await listener.add_listener("bench_audited", heard)
    found: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": token}) as client:
            for n in range(events):
                response = await client.post(
                    "/api/v1/products",
                    json={
                        "sku": f"IDLE-{uuid.uuid4().hex[:10]}-{n}",
                        "name": "Idle bench",
                        "price": {"amount": "1.00", "currency": "EUR"},
                    },
                )
                answered = time.perf_counter()
                response.raise_for_status()
                product = response.json()["id"]
                deadline = answered + 30
                while product not in arrived and time.perf_counter() < deadline:
                    signal.clear()
                    if product in arrived:
                        break
                    try:
                        await asyncio.wait_for(signal.wait(), deadline - time.perf_counter())
                    except TimeoutError:
                        break
                if product not in arrived:
                    raise RuntimeError(f"no audit entry for product {product} within 30 s")
                found.append(max(arrived[product] - answered, 0.0) * 1000)
                await asyncio.sleep(random.uniform(0, 0.1))
    finally:
        await listener.close()
    return found


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(setup: str, url: str, email: str, args: argparse.Namespace) -> dict[str, Any]:
    env = _env(setup, url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes: dict[str, int] = {}
    with ExitStack() as stack:
        if setup == "worker":
            processes["worker"] = stack.enter_context(
                server([str(BIN / "portico"), "worker"], env, None)
            )
        serve = [str(BIN / "portico"), "serve", "--port", str(port), "--workers", "1"]
        # A loaded machine starts slowly: give it two minutes.
        processes["serve"] = stack.enter_context(
            server(serve, env, f"{base}/health/live", within=120)
        )
        token = _token(base, email, ADMIN_PASSWORD)
        time.sleep(args.warmup)
        before_tx = asyncio.run(_transactions(url))
        before_cpu = {name: cpu_seconds(pid) for name, pid in processes.items()}
        time.sleep(args.idle)
        after_cpu = {name: cpu_seconds(pid) for name, pid in processes.items()}
        time.sleep(args.settle)  # the last transactions of the window reach the statistics
        after_tx = asyncio.run(_transactions(url))
        latencies = asyncio.run(_latencies(url, base, token, args.events))
    # The settle wait runs after the window, so what ran during it is counted too: the rate is
    # over the window and the settle (both idle).
    span = args.idle + args.settle
    return {
        "setup": setup,
        "cpu_percent": {
            name: round(100 * (after_cpu[name] - before_cpu[name]) / args.idle, 2)
            for name in processes
        },
        "transactions_per_s": round((after_tx - before_tx) / span, 2),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p99": round(_percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
            "events": len(latencies),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=11.0)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    results = []
    for setup in args.setups.split(","):
        _prepare(POSTGRES)
        email = _create_admin(POSTGRES)
        results.append(measure(setup, POSTGRES, email, args))
        print(json.dumps(results[-1]), flush=True)
    lines = [
        "| setup | CPU, % of a core | PostgreSQL transactions/s | commit to consumer p50 | p99 |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for found in results:
        cpu = ", ".join(f"{name} {value:.2f}" for name, value in found["cpu_percent"].items())
        lat = found["latency_ms"]
        lines.append(
            f"| {found['setup']} | {cpu} | {found['transactions_per_s']:.2f} "
            f"| {lat['p50']:.1f} ms | {lat['p99']:.1f} ms |"
        )
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"idle-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
