"""What PostgreSQL does per product create (W3, `POST /api/v1/products`): every statement.

    PORTICO_BENCH_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5439/bench_x \
        uv run python -m bench.write_statements [--duration 10] [--targets floor,none]

Needs a server with `shared_preload_libraries = 'pg_stat_statements'` and, for the planning
column, `pg_stat_statements.track_planning = on`: a private instance (the shared one loads
neither; bench/README.md, "Session 14: the product write", shows one started with initdb).
Each target starts as in `bench.compare` (Portico with no read cache beside a `portico worker`
on NATS), takes W3 (wrk -t1 -c32) for a 3 s warm-up, then, once the API, the worker and the
bench database's backends are still, pg_stat_statements is reset, W3 runs for --duration and
the backlog is waited for. Printed per target: the CPU of the bench database's backends per
create, each backend's (named by its last statement: whose it is), with `--server <the
postmaster's pid>` the whole server's, and each statement (its shapes together) with its calls,
execution and planning time (µs), rows, WAL bytes and blocks touched per create. Execution
times leave out parsing, the protocol, and the commit's WAL flush and NOTIFY: the backends' CPU
is the figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from bench.compare import (
    _backends_cpu,
    _lua,
    _prepare,
    _reaped_cpu,
    _target,
    _until_still,
)
from bench.engines import POSTGRES, cpu_seconds, create_admin

# The statements of one bench database, heaviest first (pg_stat_statements 1.10: PostgreSQL 15),
# the shapes of one statement together (an IN list's or a multi-row VALUES' lengths).
_STATEMENTS = r"""
SELECT left(regexp_replace(regexp_replace(regexp_replace(
         s.query, '\s+', ' ', 'g'), '\$\d+', '$', 'g'), '\$(, ?\$)+', '$, ...', 'g'), 90) AS query,
       sum(s.calls)::float8 AS calls, sum(s.total_exec_time) AS total_exec_time,
       sum(s.total_plan_time) AS total_plan_time, sum(s.rows)::float8 AS rows,
       sum(s.wal_bytes)::float8 AS wal_bytes,
       sum(s.shared_blks_hit + s.shared_blks_read + s.shared_blks_dirtied)::float8 AS blocks
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database()
GROUP BY 1 ORDER BY 3 DESC
"""
_LAST = """
SELECT pid, query FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


async def _sql(url: str, statement: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await connection.fetch(statement))
    finally:
        await connection.close()


def _run(base: str, script: str, seconds: int) -> int:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = ["wrk", "-t1", "-c32", "-s", lua.name, f"-d{seconds}s", base]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        Path(lua.name).unlink()
    assert "Non-2xx" not in output, output
    return int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]


def _server_cpu(pid: int | None) -> float:
    """A private server's CPU so far: its processes' and the ended backends' (0 without one)."""
    return cpu_seconds(pid) + _reaped_cpu(pid) if pid else 0.0


def _short(query: str) -> str:
    return " ".join(query.split())[:90].replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--targets", default="floor,none")
    parser.add_argument("--server", type=int, help="the private server's postmaster pid")
    args = parser.parse_args()
    ids = _prepare(POSTGRES, args.products)
    asyncio.run(_sql(POSTGRES, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
    admin = create_admin(POSTGRES)
    for target in args.targets.split(","):
        with _target(target, POSTGRES, admin, None) as (base, tokens, processes):
            script = _lua("W3", ids, [], tokens["W3"])
            _run(base, script, 3)
            still = [processes["api"], *([processes["worker"]] if "worker" in processes else [])]
            _until_still(still)
            asyncio.run(_sql(POSTGRES, "SELECT pg_stat_statements_reset()"))
            before = _backends_cpu()
            server = _server_cpu(args.server)
            creates = _run(base, script, args.duration)
            _until_still(still)
            after = _backends_cpu()
            server = _server_cpu(args.server) - server
            rows = asyncio.run(_sql(POSTGRES, _STATEMENTS))
            last = asyncio.run(_sql(POSTGRES, _LAST))
        backends = sum(t - before.get(p, 0.0) for p, t in after.items()) / creates * 1e6
        print(f"\n### {target}: {creates:,} creates, bench database's backends {backends:.0f} µs")
        if args.server:
            print(
                f"- the whole server (WAL writer, checkpointer...): {server / creates * 1e6:.0f} µs"
            )
        # Each backend's CPU per create, named by its last statement (who its client is).
        named = {r["pid"]: _short(r["query"])[:60] for r in last}
        for pid, seconds in sorted(after.items(), key=lambda kv: before.get(kv[0], 0) - kv[1]):
            spent = (seconds - before.get(pid, 0.0)) / creates * 1e6
            if spent >= 1:
                print(f"- backend {pid}: {spent:.0f} µs, last `{named.get(pid, '?')}`")
        print("| statement | calls | exec µs | plan µs | rows | WAL bytes | blocks |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        totals = [0.0] * 6
        for row in rows:
            figures = [
                row["calls"] / creates,
                row["total_exec_time"] * 1e3 / creates,
                row["total_plan_time"] * 1e3 / creates,
                row["rows"] / creates,
                int(row["wal_bytes"]) / creates,
                row["blocks"] / creates,
            ]
            if figures[0] < 0.01 and figures[1] < 0.5:
                continue  # the reset's own, the still-checks' and housekeeping's rare ones
            totals = [t + f for t, f in zip(totals, figures, strict=True)]
            calls, exec_, plan, rows_, wal, blocks = figures
            print(
                f"| `{_short(row['query'])}` | {calls:.2f} | {exec_:.1f} | {plan:.1f} "
                f"| {rows_:.2f} | {wal:,.0f} | {blocks:.1f} |"
            )
        calls, exec_, plan, rows_, wal, blocks = totals
        print(
            f"| **all** | {calls:.2f} | {exec_:.1f} | {plan:.1f} | {rows_:.2f} | {wal:,.0f} "
            f"| {blocks:.1f} |"
        )


if __name__ == "__main__":
    main()
