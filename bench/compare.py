"""Portico against the floor (bench/floor.py), interleaved, on PostgreSQL: `make bench-compare`.

    uv run python -m bench.compare [--rounds 3] [--duration 10] [--targets floor,none,memory,redis]
        [--baseline DIR]

Each round starts every target in turn (the floor; `portico serve` with no read cache, the
memory cache and the Redis cache, each beside a `portico worker` that runs the consumers and the
relay over NATS) on one granian worker, and runs wrk (-t1 -c32, 3 s warm-up, then --duration)
on each workload:

    W0 GET /health/live
    W1 GET /api/v1/products/{id}, ids drawn at random from the seeded products
    W2 GET /api/v1/products?limit=20
    W3 POST /api/v1/products, a new SKU each time (an admin's token; the floor checks a string)
    W4 GET of an order by id, signed in as the customer who placed them: ids drawn at random
       among the --orders orders one customer placed at seeding (bench/order_seed.py); the
       floor (bench/floor_orders.py) checks its bearer string and reads the order's row by id.
       Only while the ordering context is there (removing it takes those two modules).

With `--embedded`, Portico runs the consumers and the relay inside `portico serve` on the
in-process bus instead (PORTICO_BACKGROUND=serve, PORTICO_BUS=memory, no worker): what the
embedded mode costs, all of it in `api`.

With `--baseline DIR` (another checkout with its own .venv, e.g. `git worktree add /tmp/base
main` and `uv sync` there), each Portico target also runs from DIR, as `<target>-before`, just
before this checkout's in every round: before and after figures from one interleaved run.

It prints, per workload, the median req/s and p99 over the rounds and each target's ratio to
the floor's median, then the CPU each process spent per request (µs of utime + stime over the
counted run, from still to still: a backlog the run leaves in the worker is counted; `api`, the
API process and its granian worker; Portico's `worker`; `postgresql`,
every process of the local server and the backends that ended during the run (the
postmaster's children's times), other clients' work included; `pg-bench-db`, the backends
connected to the bench's database alone, a part of `postgresql`; `wrk` itself) and their sum,
and writes them to bench/results/. On two cores shared by all four, the sum bounds the rate:
a target needing twice the floor's CPU in all cannot reach more than about half its rate once
the cores are full. Rates depend on the machine and what else runs on it: compare
within one run; CPU per request moves much less with the load. Needs wrk (apt-get install
wrk), PostgreSQL, Redis and NATS as for the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import json
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from bench.engines import (
    BIN,
    POSTGRES,
    ROOT,
    bearer,
    cpu_seconds,
    create_admin,
    free_port,
    portico_env,
    postmaster_pid,
    server,
)

# W4's modules name the ordering context's route, so removing the context removes them.
ORDERS = importlib.util.find_spec("bench.order_seed") is not None
WORKLOADS = ("W0", "W1", "W2", "W3", *(["W4"] if ORDERS else []))
Run = tuple[float, float, dict[str, float]]  # req/s, p99 ms, CPU µs per request by process
TARGETS = (
    "floor",
    "none",
    "memory",
    "redis",  # [adapter:redis]
)
REDIS = os.environ.get("PORTICO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")  # [adapter:redis]
CACHE_PREFIX = f"bench{uuid.uuid4().hex[:6]}"
NATS = os.environ.get("PORTICO_BENCH_NATS_URL", "nats://127.0.0.1:4222")  # [adapter:nats]


def _random_path(prefix: str, ids: list[str], headers: str = "nil") -> str:
    """A wrk script of GETs of `prefix` + an id drawn at random from `ids`."""
    listed = ",".join(f'"{i}"' for i in ids)
    return (
        f"local ids = {{{listed}}}\nmath.randomseed(7)\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{prefix}" .. ids[math.random(#ids)], {headers})\n'
        "end\n"
    )


def _lua(workload: str, ids: list[str], orders: list[str], token: str) -> str:
    """The wrk script of one workload (`orders`: W4's paths; `token`: the bearer it sends)."""
    if workload == "W0":
        return 'request = function() return wrk.format("GET", "/health/live") end\n'
    if workload == "W1":
        return _random_path("/api/v1/products/", ids)
    if workload == "W4":
        return _random_path("", orders, f'{{["Authorization"] = "{token}"}}')
    if workload == "W2":
        return 'request = function() return wrk.format("GET", "/api/v1/products?limit=20") end\n'
    # A tag of its own for each wrk process (warm-up, run), so no SKU is ever sent twice.
    return (
        f'local n = 0\nlocal headers = {{["Content-Type"] = "application/json", '
        f'["Authorization"] = "{token}"}}\n'
        "math.randomseed(os.time())\n"
        "local tag = tostring(math.random(1, 1073741824))\n"
        "request = function()\n"
        "  n = n + 1\n"
        '  local body = \'{"sku": "B\' .. tag .. \'-\' .. n .. \'", "name": "Bench", '
        '"price": {"amount": "1.50", "currency": "EUR"}}\'\n'
        '  return wrk.format("POST", "/api/v1/products", headers, body)\n'
        "end\n"
    )


def wrk(
    base: str, script: str, duration: int, processes: dict[str, int]
) -> tuple[float, float, dict[str, float]]:
    """req/s, p99 (ms) and each process's CPU per request (µs: its tree's utime + stime over the
    counted run, which the machine's load barely moves) of one wrk run, after a 3 s warm-up; a
    failed response stops it all."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = ["wrk", "-t1", "-c32", "--latency", "-s", lua.name]
        subprocess.run([*command, "-d3s", base], capture_output=True, check=True)
        database = postmaster_pid(POSTGRES)
        if database is not None:  # every backend and background process of the server
            processes = {**processes, "postgresql": database}
        _until_still([processes["api"], *([processes["worker"]] if "worker" in processes else [])])
        before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        backends_before = _backends_cpu()
        reaped_before = _reaped_cpu(database) if database is not None else 0.0
        wrk_before = _children_cpu()
        output = subprocess.run(
            [*command, f"-d{duration}s", base], capture_output=True, text=True, check=True
        ).stdout
        # What the run left to do (a worker's backlog) is its cost too.
        _until_still([processes["api"], *([processes["worker"]] if "worker" in processes else [])])
        spent = {name: cpu_seconds(pid) - before[name] for name, pid in processes.items()}
        spent["wrk"] = _children_cpu() - wrk_before
        if database is not None:
            after = _backends_cpu()
            spent["pg-bench-db"] = sum(t - backends_before.get(p, 0.0) for p, t in after.items())
            # Backends that ended (a pool's overflow connections closed) are reaped by the
            # postmaster: their CPU is in its children's times, not in any live process's.
            spent["postgresql"] += _reaped_cpu(database) - reaped_before
            spent["pg-new-backends"] = len(after.keys() - backends_before.keys()) / 1e3
    finally:
        os.unlink(lua.name)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if failed:
        raise RuntimeError(f"{failed.group(1)} failed responses:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert p99 is not None, output
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    cpu = {name: seconds / requests * 1e6 for name, seconds in spent.items()}
    return rate, float(p99.group(1)) * scale, cpu


def _until_still(pids: list[int], at_most: float = 60.0) -> None:
    """Wait until `pids` and the bench database's backends are still (under 5 % of a core over
    half a second): the warm-up's backlog handled before the count, the run's before its end."""
    deadline = time.monotonic() + at_most

    def spent() -> float:
        return sum(cpu_seconds(pid) for pid in pids) + sum(_backends_cpu().values())

    last = spent()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = spent()
        if now - last < 0.025:
            return
        last = now


def _reaped_cpu(pid: int) -> float:
    """The CPU time of `pid`'s children that ended and were waited for (cutime + cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _backends_cpu() -> dict[int, float]:
    """CPU time so far of each PostgreSQL backend connected to the bench's database: its share
    of `postgresql` without other clients' work on a shared server (background processes, such
    as the WAL writer, and backends that end during the run are left out)."""
    name = POSTGRES.rsplit("/", 1)[1].split("?")[0]
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if title.startswith("postgres:") and f" {name} " in title:
            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def _children_cpu() -> float:
    """CPU time of this process's children that have ended (the counted wrk, once it has)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _prepare(url: str, products: int) -> list[str]:
    """A fresh database migrated by Portico, with `products` rows in its table; their ids."""
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.support.databases import recreate_database

    asyncio.run(recreate_database(url))
    env = portico_env(url)
    subprocess.run([str(BIN / "portico"), "db", "upgrade"], env=env, cwd=ROOT, check=True)
    return asyncio.run(_seed(url, products))


async def _seed(url: str, products: int) -> list[str]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        start = datetime.now(UTC) - timedelta(days=1)
        rows = [
            (
                uuid.uuid4(),
                f"SEED-{n:06d}",
                f"Product {n}",
                "Seeded for the benchmark",
                Decimal("9.90"),
                "EUR",
                100,
                1,
                start + timedelta(milliseconds=n),
                start + timedelta(milliseconds=n),
                uuid.UUID(int=0),  # the one organisation with tenancy off
            )
            for n in range(products)
        ]
        await connection.copy_records_to_table(
            "products",
            records=rows,
            columns=[
                "id",
                "sku",
                "name",
                "description",
                "price_amount",
                "price_currency",
                "stock",
                "version",
                "created_at",
                "updated_at",
                "organisation_id",
            ],
        )
        await connection.execute("ANALYZE products")
    finally:
        await connection.close()
    return [str(row[0]) for row in rows]


@contextmanager
def _target(
    name: str,
    url: str,
    admin: str,
    customer: tuple[str, str] | None,
    baseline: Path | None = None,
    embedded: bool = False,
) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    """The target serving on a free port: its base URL, the bearer each signed-in workload
    carries (W3 the `admin`'s; W4 the `customer`'s, signed in with its email and password, if
    any) and its processes' pids by role (`api`, and Portico's `worker`). `<mode>-before` is
    Portico in `<mode>` run from the `baseline` checkout."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if name == "floor":
        env = {**os.environ, "FLOOR_DATABASE_URL": url.replace("+asyncpg", "")}
        command = [str(BIN / "granian"), "--interface", "asgi", "--port", str(port)]
        floor = "bench.floor_orders:app" if customer is not None else "bench.floor:app"
        command += ["--workers", "1", "--no-ws", "--log-level", "warning", floor]
        with server(command, env, f"{base}/health/live") as api:
            yield base, {"W3": "Bearer floor-token", "W4": "Bearer floor-token"}, {"api": api}
        return
    root, bin_ = ROOT, BIN
    if name.endswith("-before"):
        assert baseline is not None, "a -before target needs --baseline"
        name, root, bin_ = name.removesuffix("-before"), baseline, baseline / ".venv" / "bin"
    env = portico_env(url)
    env.update(
        PORTICO_CACHE=name,
        PORTICO_REDIS_URL=REDIS,  # [adapter:redis]
        # A prefix of this run's: no entries or generation shared with another run on the
        # same server; its Redis targets share theirs (warm after the first, as before).
        PORTICO_CACHE_PREFIX=CACHE_PREFIX,
        PORTICO_BUS="nats",  # [adapter:nats]
        PORTICO_NATS_URL=NATS,  # [adapter:nats]
        PORTICO_NATS_NAMESPACE=f"bench{uuid.uuid4().hex[:6]}",  # [adapter:nats]
        PORTICO_BACKGROUND="worker",  # the consumers and the relay in the worker beside it
    )
    if embedded:
        env.update(PORTICO_BUS="memory", PORTICO_BACKGROUND="serve")
    with contextlib.ExitStack() as stack:
        processes: dict[str, int] = {}
        if not embedded:
            worker = [str(bin_ / "portico"), "worker"]
            processes["worker"] = stack.enter_context(server(worker, env, None, cwd=root))
        serve = [str(bin_ / "portico"), "serve", "--port", str(port), "--workers", "1"]
        api = stack.enter_context(server(serve, env, f"{base}/health/live", cwd=root))
        tokens = {"W3": bearer(base, admin)}
        if customer is not None:
            tokens["W4"] = bearer(base, *customer)
        yield base, tokens, {"api": api, **processes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=100, help="W4's orders, one customer's")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--baseline", type=Path, help="a checkout to run as <target>-before")
    parser.add_argument(
        "--embedded", action="store_true", help="consumers and relay inside serve, memory bus"
    )
    args = parser.parse_args()
    targets, workloads = args.targets.split(","), args.workloads.split(",")
    if args.baseline is not None:
        targets = [
            t for name in targets for t in ([name] if name == "floor" else [f"{name}-before", name])
        ]
    ids = _prepare(POSTGRES, args.products)
    admin = create_admin(POSTGRES)
    customer: tuple[str, str] | None = None
    orders: list[str] = []
    if "W4" in workloads:
        seeding = importlib.import_module("bench.order_seed")  # the app, only to place them
        email, orders = asyncio.run(seeding.seed_orders(POSTGRES, ids, args.orders))
        customer = (email, seeding.PASSWORD)
    runs: dict[str, dict[str, list[Run]]] = {w: {t: [] for t in targets} for w in workloads}
    for round_ in range(1, args.rounds + 1):
        for target in targets:
            with _target(target, POSTGRES, admin, customer, args.baseline, args.embedded) as served:
                base, tokens, processes = served
                for workload in workloads:
                    script = _lua(workload, ids, orders, tokens.get(workload, ""))
                    run = wrk(base, script, args.duration, processes)
                    runs[workload][target].append(run)
                    cpu = ", ".join(f"{name} {v:,.0f}" for name, v in run[2].items())
                    print(f"  {workload} {target}: {run[0]:,.0f} req/s, CPU µs {cpu}", flush=True)
            print(f"round {round_}/{args.rounds}: {target} done", flush=True)
    report = _report(runs, targets)
    print(report["table"])
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"compare-{stamp}.json").write_text(json.dumps(report["figures"], indent=2))


def _report(runs: dict[str, dict[str, list[Run]]], targets: list[str]) -> dict[str, Any]:
    figures: dict[str, dict[str, dict[str, float]]] = {}
    header = ["| workload | " + " | ".join(targets) + " |", "| --- |" + " ---: |" * len(targets)]
    lines, cpu_lines = list(header), list(header)
    for workload, by_target in runs.items():
        figures[workload] = {}
        cells, cpu_cells = [], []
        floor = (
            statistics.median(r for r, _, _ in by_target["floor"]) if "floor" in by_target else 0
        )
        for target in targets:
            rate = statistics.median(r for r, _, _ in by_target[target])
            p99 = statistics.median(p for _, p, _ in by_target[target])
            ratio = rate / floor if floor else 0.0
            cpu = {
                name: statistics.median(c[name] for _, _, c in by_target[target])
                for name in by_target[target][0][2]
            }
            figures[workload][target] = {"rps": round(rate), "p99_ms": p99, "ratio": ratio}
            figures[workload][target].update(
                {f"cpu_us_{name}": round(v) for name, v in cpu.items()}
            )
            shown = f"{rate:,.0f} ({ratio:.2f}x), {p99:.0f} ms" if floor else f"{rate:,.0f}"
            cells.append(shown)
            own = cpu.pop("pg-bench-db", None)  # a part of `postgresql`, not added again
            # Backends of the bench database started during the run, per 1,000 requests.
            started = cpu.pop("pg-new-backends", None)
            parts = [f"{name} {v:,.0f}" for name, v in cpu.items()]
            if own is not None:
                note = f" (bench db {own:,.0f}, {started or 0:,.0f} new backends per 1,000 req)"
                parts = [p + note if "postgresql" in p else p for p in parts]
            cpu_cells.append(" + ".join(parts) + f" = {sum(cpu.values()):,.0f}")
        lines.append(f"| {workload} | " + " | ".join(cells) + " |")
        cpu_lines.append(f"| {workload} | " + " | ".join(cpu_cells) + " |")
    table = "\n".join(lines)
    table += "\n\nCPU per request, µs, by process (and in all):\n\n" + "\n".join(cpu_lines)
    return {"table": table, "figures": figures}


if __name__ == "__main__":
    main()
