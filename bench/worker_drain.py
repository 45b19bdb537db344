"""How fast `portico worker` drains a backlog: events a second and CPU per event.

    uv run python -m bench.worker_drain [--events 2000] [--rounds 3] [--baseline DIR]

Each round, for each tree (this checkout, and `DIR` as `before` if given, alternating): a fresh
PostgreSQL database; `portico serve` (PORTICO_BACKGROUND=worker, so it relays nothing) takes
`--events` product creates over HTTP, leaving as many events in the outbox; it stops; then
`portico worker` on NATS (a namespace of its own) relays them and runs the audit and
notification consumers until the outbox is sent, the audit log holds every product's entry and
the worker's CPU stops rising. Counted from the first event relayed (the worker's start-up is
left out): wall seconds and the worker's CPU (utime + stime, /proc). Medians over the rounds.
The backlog is the worker's best case (full batches); under live load it meets smaller ones.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from bench.compare import NATS, _prepare
from bench.engines import (
    POSTGRES,
    ROOT,
    bearer,
    cpu_seconds,
    create_admin,
    free_port,
    portico_env,
    server,
)


async def _counts(url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        unsent = await connection.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        audited = await connection.fetchval("SELECT count(*) FROM audit_log")
        return int(unsent), int(audited)
    finally:
        await connection.close()


async def _create(base: str, token: str, events: int) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": token}) as client:
        numbers = iter(range(events))

        async def creating() -> None:
            for n in numbers:
                body = {
                    "sku": f"D-{n}",
                    "name": "Drain",
                    "price": {"amount": "1.50", "currency": "EUR"},
                }
                (await client.post("/api/v1/products", json=body)).raise_for_status()

        await asyncio.gather(*(creating() for _ in range(16)))


def drain(root: Path, events: int) -> tuple[float, float]:
    """Seconds and worker CPU seconds to drain `events` product events, from the first relayed."""
    _prepare(POSTGRES, 0)
    email = create_admin(POSTGRES)
    env = portico_env(POSTGRES)
    env.update(
        PORTICO_BUS="nats",
        PORTICO_NATS_URL=NATS,
        PORTICO_NATS_NAMESPACE=f"drain{uuid.uuid4().hex[:6]}",
        PORTICO_BACKGROUND="worker",
    )
    bin_ = root / ".venv" / "bin"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(bin_ / "portico"), "serve", "--port", str(port), "--workers", "1"]
    with server(command, env, f"{base}/health/live", cwd=root):
        asyncio.run(_create(base, bearer(base, email), events))
    unsent, audited_before = asyncio.run(_counts(POSTGRES))
    assert unsent >= events, unsent
    with server([str(bin_ / "portico"), "worker"], env, None, cwd=root) as worker:
        while asyncio.run(_counts(POSTGRES))[0] == unsent:
            time.sleep(0.05)
        began, cpu_began = time.perf_counter(), cpu_seconds(worker)
        last = cpu_began
        while True:
            time.sleep(0.25)
            now_unsent, audited = asyncio.run(_counts(POSTGRES))
            cpu = cpu_seconds(worker)
            if now_unsent == 0 and audited - audited_before >= events and cpu - last < 0.01:
                return time.perf_counter() - began, cpu - cpu_began
            last = cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout, run as `before`")
    args = parser.parse_args()
    trees = {"after": ROOT} if args.baseline is None else {"before": args.baseline, "after": ROOT}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for round_ in range(1, args.rounds + 1):
        for name, root in trees.items():
            seconds, cpu = drain(root, args.events)
            runs[name].append((seconds, cpu))
            print(
                f"round {round_} {name}: {args.events / seconds:,.0f} events/s, "
                f"{cpu / args.events * 1e6:,.0f} µs of worker CPU per event",
                flush=True,
            )
    for name, each in runs.items():
        rate = statistics.median(args.events / s for s, _ in each)
        cpu = statistics.median(c / args.events * 1e6 for _, c in each)
        print(f"{name}: median {rate:,.0f} events/s, {cpu:,.0f} µs of worker CPU per event")


if __name__ == "__main__":
    main()
