"""PostgreSQL's work per audit entry: the audit consumer's batches alone, no HTTP, no bus.

    PORTICO_BENCH_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5439/bench_x \
        uv run python -m bench.audit_writes [--events 5000] [--batch 25] [--rounds 3]

Run from a checkout (its `portico db upgrade` migrates a fresh database each round), so two
checkouts alternate by running this file with each one's interpreter. `RecordChange.apply_all`
takes `--events` events in batches of `--batch` (under W3 the relay's claims reach it as
batches of about 20-25; bench/README.md, session 16) on one pooled connection, after 500 for
the warm-up. Printed per round: the CPU of the bench database's backends (/proc) and the WAL
written (pg_current_wal_lsn) per event, and the worker process's own CPU per event.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from adapters.audit.sql import SqlAuditUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.system.ids import Uuid7Generator
from application.audit.record_change import RecordChange
from application.shared.ports.messaging import IntegrationEvent

URL = os.environ["PORTICO_BENCH_POSTGRES_URL"]
NAME = URL.rsplit("/", 1)[1]
ids = Uuid7Generator()


def _backends_cpu() -> float:
    """The CPU so far of the PostgreSQL backends connected to the bench database, in ns from
    /proc/<pid>/schedstat (stat's clock ticks, 10 ms, are too coarse for a few thousand
    events)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if title.startswith("postgres:") and f" {NAME} " in title:
                total += int((entry / "schedstat").read_text().split()[0]) / 1e9
        except OSError:
            continue
    return total


def _events(count: int) -> list[IntegrationEvent]:
    return [
        IntegrationEvent(
            id=ids.new_id(),
            type="catalog.ProductCreated",
            version=1,
            occurred_at=datetime.now(UTC),
            aggregate_id=ids.new_id(),
            payload={},
            actor="bench",
        )
        for _ in range(count)
    ]


async def _lsn(connection: asyncpg.Connection) -> int:
    return int(await connection.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))


async def _round(events: int, batch: int) -> tuple[float, float, float]:
    database = SqlDatabase(URL, pool_size=1)
    probe = await asyncpg.connect(URL.replace("+asyncpg", ""))
    try:
        consumer = RecordChange(lambda read_only=False: SqlAuditUnitOfWork(database))
        for start in range(0, 500, batch):
            await consumer.apply_all(_events(min(batch, 500 - start)))
        work = [_events(batch) for _ in range(events // batch)]
        await asyncio.sleep(0.5)
        cpu, wal = _backends_cpu(), await _lsn(probe)
        own = resource.getrusage(resource.RUSAGE_SELF)
        for chunk in work:
            await consumer.apply_all(chunk)
        after = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.sleep(0.2)  # the backends' clock ticks settle
        cpu, wal = _backends_cpu() - cpu, await _lsn(probe) - wal
        mine = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
        n = len(work) * batch
        return cpu / n * 1e6, wal / n, mine / n * 1e6
    finally:
        await probe.close()
        await database.dispose()


async def _recreate() -> None:
    connection = await asyncpg.connect(URL.rsplit("/", 1)[0].replace("+asyncpg", "") + "/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{NAME}"')
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    results = []
    for _ in range(args.rounds):
        asyncio.run(_recreate())
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
        env["PORTICO_DATABASE_URL"] = URL
        portico = str(Path(sys.executable).parent / "portico")
        subprocess.run([portico, "db", "upgrade"], env=env, check=True, capture_output=True)
        results.append(asyncio.run(_round(args.events, args.batch)))
        backends, wal, own = results[-1]
        print(f"backends {backends:.1f} µs, WAL {wal:.0f} B, consumer {own:.1f} µs an event")
    if args.rounds > 1:
        medians = [statistics.median(r[i] for r in results) for i in range(3)]
        print("median: backends {:.1f} µs, WAL {:.0f} B, consumer {:.1f} µs".format(*medians))


if __name__ == "__main__":
    main()
