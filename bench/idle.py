"""What an idle Portico costs, and how soon a commit reaches its consumer: `make bench-idle`.

    uv run python -m bench.idle [--idle 30] [--events 200] [--setups serve,serve-nats,worker]

Setups, each on a fresh PostgreSQL database (PORTICO_BENCH_POSTGRES_URL, default portico_bench):

    serve       `portico serve` (one granian worker) with the in-process bus: the relay, the
                consumers, the order projector and the housekeeping run inside it
    serve-nats  the same over NATS (PORTICO_BENCH_NATS_URL, PORTICO_BACKGROUND=serve)
    worker      `portico serve` beside `portico worker`, over NATS: the worker relays, consumes
                and projects; the server only writes

For each: start, wait --warmup seconds, then for --idle seconds count each process's CPU (utime +
stime of it and its children, /proc/<pid>/stat) and the transactions PostgreSQL ran for the
database (pg_stat_database xact_commit + xact_rollback, read from another database so the
readings are not counted; PostgreSQL publishes them up to 10 s late, hence --settle). Then
--events times: POST a product and wait for its audit entry (a trigger on audit_log, added here,
NOTIFYs the bench), one at a time with a random pause of up to 100 ms; latency runs from the
POST's response (the commit is just before it) to the notification. Then as many orders, each
waited for until the order projector writes its summary (a trigger on order_summaries). Prints a
table and writes bench/results/idle-*.json.
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

from bench.engines import (
    BIN,
    POSTGRES,
    ROOT,
    bearer,
    cpu_seconds,
    create_admin,
    free_port,
    portico_env,
    server,
)

SETUPS = (
    "serve",
    "serve-nats",  # [adapter:nats]
    "worker",  # [adapter:nats]
)


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
    asyncio.run(_triggers(url))


async def _triggers(url: str) -> None:
    """A NOTIFY on `audited` when the audit consumer writes a product's entry, on `projected`
    when the order projector writes an order's summary: each with the aggregate's id."""
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute(
            """
            CREATE FUNCTION bench_audited() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('audited', NEW.aggregate_id::text); RETURN NULL; END $$;
            CREATE TRIGGER bench_audited AFTER INSERT ON audit_log
                FOR EACH ROW EXECUTE FUNCTION bench_audited();
            CREATE FUNCTION bench_projected() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('projected', NEW.order_id::text); RETURN NULL; END $$;
            CREATE TRIGGER bench_projected AFTER INSERT ON order_summaries
                FOR EACH ROW EXECUTE FUNCTION bench_projected();
            """
        )
    finally:
        await connection.close()


def _env(setup: str, url: str) -> dict[str, str]:
    env = portico_env(url)
    env["PORTICO_BACKGROUND"] = "serve" if setup.startswith("serve") else "worker"
    # [adapter:nats begin]
    if setup != "serve":
        env.update(
            PORTICO_BUS="nats",
            PORTICO_NATS_URL=os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222"),
            PORTICO_NATS_NAMESPACE=f"idle{uuid.uuid4().hex[:6]}",
        )
    # [adapter:nats end]
    return env


def _product(n: int, stock: int = 0) -> dict[str, Any]:
    return {
        "sku": f"IDLE-{uuid.uuid4().hex[:10]}-{n}",
        "name": "Idle bench",
        "price": {"amount": "1.00", "currency": "EUR"},
        "stock": stock,
    }


async def _latencies(url: str, base: str, token: str, events: int) -> dict[str, list[float]]:
    """Milliseconds from each POST's response to its NOTIFY: products to their audit entries,
    then orders to their summaries."""
    arrived: dict[str, float] = {}
    signal = asyncio.Event()

    def heard(*args: Any) -> None:
        arrived[args[3]] = time.perf_counter()
        signal.set()

    async def posted(
        client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str
    ) -> tuple[str, float]:
        response = await client.post(path, json=body)
        answered = time.perf_counter()
        response.raise_for_status()
        created = str(response.json()[key])
        deadline = answered + 30
        while created not in arrived:
            signal.clear()
            if created in arrived:
                break
            try:
                await asyncio.wait_for(signal.wait(), deadline - time.perf_counter())
            except TimeoutError:
                raise RuntimeError(f"no NOTIFY for {path} {created} within 30 s") from None
        await asyncio.sleep(random.uniform(0, 0.1))
        return created, max(arrived[created] - answered, 0.0) * 1000

    listener = await asyncpg.connect(_plain(url))
    await listener.add_listener("audited", heard)
    await listener.add_listener("projected", heard)
    found: dict[str, list[float]] = {"audited": [], "projected": []}
    try:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": token}) as client:
            for n in range(events):
                _, took = await posted(client, "/api/v1/products", _product(n), "id")
                found["audited"].append(took)
            stocked, _ = await posted(client, "/api/v1/products", _product(events, events), "id")
            order = {"lines": [{"product_id": stocked, "quantity": 1}]}
            for _ in range(events):
                _, took = await posted(client, "/api/v1/orders", order, "order_id")
                found["projected"].append(took)
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
        token = bearer(base, email)
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
            kind: {
                "p50": round(statistics.median(found), 1),
                "p99": round(_percentile(found, 0.99), 1),
                "max": round(max(found), 1),
                "events": len(found),
            }
            for kind, found in latencies.items()
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
        email = create_admin(POSTGRES)
        results.append(measure(setup, POSTGRES, email, args))
        print(json.dumps(results[-1]), flush=True)
    lines = [
        "| setup | CPU, % of a core | PostgreSQL transactions/s | commit to audit entry"
        " p50 / p99 / max | commit to order summary p50 / p99 / max |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for found in results:
        cpu = ", ".join(f"{name} {value:.2f}" for name, value in found["cpu_percent"].items())
        took = [
            f"{lat['p50']:.1f} / {lat['p99']:.1f} / {lat['max']:.0f} ms"
            for lat in found["latency_ms"].values()
        ]
        lines.append(
            f"| {found['setup']} | {cpu} | {found['transactions_per_s']:.2f} | {' | '.join(took)} |"
        )
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"idle-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
