"""`POST /api/v1/products` in process: the whole request's CPU, Portico against the floor.

    uv run python -m bench.create_request [--rounds 3] [--per-round 1600]

The ASGI app called directly (no HTTP server) by 32 coroutines on uvloop, each create a new SKU
with an administrator's bearer token: Portico on PostgreSQL with no cache, the consumers and the
relay off (a `portico worker` runs them), beside bench/floor.py's app on its own asyncpg pool.
Rounds alternate the two in one process; CPU time of this process per create (the server's is
not counted) and creates a second, medians. To see where it goes, run it under
`py-spy record --format raw` and keep the stacks through `request_context.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import redirect_stdout
from typing import Any

import uvloop
from tests.support.databases import recreate_database

from bench.query_side import _call, _devnull, _lifespan

URL = "postgresql://postgres@127.0.0.1:5432/portico_bench_create"
CONCURRENCY = 32
_skus = itertools.count()

Create = Callable[[], Awaitable[None]]


def _creating(app: Any, token: str) -> Create:
    headers = [(b"authorization", token.encode())]

    async def create() -> None:
        n = next(_skus)
        body = {
            "sku": f"B-{n}",
            "name": f"Product {n}",
            "price": {"amount": "9.90", "currency": "EUR"},
        }
        status, answer = await _call(app, "POST", "/api/v1/products", headers, body)
        assert status == 201, (status, answer)

    return create


async def measure(create: Create, requests: int) -> tuple[float, float]:
    """CPU µs per create and creates a second for `requests` creates by CONCURRENCY coroutines."""
    per_task = requests // CONCURRENCY

    async def worker() -> None:
        for _ in range(per_task):
            await create()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = per_task * CONCURRENCY
    return cpu / done * 1e6, done / wall


async def main(url: str, rounds: int, per_round: int) -> None:
    from tests.support.auth import bearer, create_user

    from bench import floor
    from entrypoints.container import build_container
    from entrypoints.http.app import create_app
    from entrypoints.settings import (
        CacheSettings,
        DatabaseSettings,
        LoggingSettings,
        Settings,
    )

    await recreate_database(url)
    settings = Settings(
        environment="test",
        persistence="sql",
        background="off",
        database=DatabaseSettings(url=url.replace("postgresql:", "postgresql+asyncpg:")),
        cache=CacheSettings(backend="none"),
        logging=LoggingSettings(format="json", level="WARNING", access_log=False),
    )
    container = build_container(settings)
    from adapters.persistence.sql.schema import metadata

    database = container.platform.sql_database()
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    app = create_app(container)
    os.environ["FLOOR_DATABASE_URL"] = url
    async with _lifespan(app), _lifespan(floor.app):
        user = await create_user(container, "admin")
        token = bearer(container, user, "admin")["Authorization"]
        variants = {
            "POST /products portico": _creating(app, token),
            "POST /products floor": _creating(floor.app, floor.TOKEN),
        }
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        with _devnull() as devnull, redirect_stdout(devnull):
            for create in variants.values():  # warm: connections, prepared statements
                await measure(create, CONCURRENCY * 4)
            for _ in range(rounds):
                for name, create in variants.items():
                    figures[name].append(await measure(create, per_round))
    load = os.getloadavg()
    print(f"{'variant':<28} {'CPU µs/create':>14} {'creates/s':>10}   (medians of {rounds})")
    for name, values in figures.items():
        cpu = statistics.median(v[0] for v in values)
        rate = statistics.median(v[1] for v in values)
        print(f"{name:<28} {cpu:>14.0f} {rate:>10.0f}")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=1600)
    options = parser.parse_args()
    uvloop.run(main(options.url, options.rounds, options.per_round))
