"""`POST /api/v1/orders` in process: the whole request's CPU on PostgreSQL, no HTTP server.

    uv run python -m bench.order_request [--rounds 3] [--per-round 1600] [--profile]

The ASGI app called directly by 32 coroutines on uvloop, as bench/create_request.py does for
products: each request a one-line order of one unit, --products products round robin, as an
administrator with a signed access token (bench/orders.py's body and caller). The embedded
defaults around it but the background (relay, consumers, projector: `PORTICO_BACKGROUND=off`)
and the cache (`--cache`, none by default), so what is counted is the request: authentication,
the body, the use case, the one statement, the response. CPU time of this process per order
(PostgreSQL's is not counted; start-up's objects frozen out of the collector, as served) and
orders a second, medians of the rounds. With --profile, one more round under cProfile (CPU
time of the thread): the top functions by their own and cumulative time.

Instructions instead of CPU time (the load does not move them): under
`valgrind --tool=callgrind --instr-atstart=no` with --callgrind (e.g. `--rounds 1 --per-round
320`), the rounds alone are instrumented; callgrind_annotate's total / orders. For a
before/after, run this file with PYTHONPATH set to the other checkout's src first.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import pstats
import statistics
import time
from contextlib import redirect_stdout
from typing import Any

import uvloop
from tests.support.databases import recreate_database

from bench.query_side import _call, _devnull, _lifespan

URL = "postgresql://postgres@127.0.0.1:5432/portico_bench_order_request"
CONCURRENCY = 32


async def measure(place: Any, requests: int) -> tuple[float, float]:
    """CPU µs per order and orders a second for `requests` orders by CONCURRENCY coroutines."""
    per_task = requests // CONCURRENCY

    async def worker() -> None:
        for _ in range(per_task):
            await place()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = per_task * CONCURRENCY
    return cpu / done * 1e6, done / wall


async def _instrumented(callgrind: bool, state: str) -> None:
    """Under `valgrind --tool=callgrind --instr-atstart=no`: count the rounds' instructions only
    (a count the host's load does not move, as CPU time is)."""
    if callgrind:
        control = await asyncio.create_subprocess_exec(
            "callgrind_control", "-i", state, str(os.getpid()), stdout=asyncio.subprocess.DEVNULL
        )
        await control.wait()


async def main(options: argparse.Namespace) -> None:
    from tests.support.auth import bearer, create_user

    from adapters.persistence.sql.schema import metadata
    from entrypoints.container import build_container
    from entrypoints.heap import freeze_what_start_up_made
    from entrypoints.http.app import create_app
    from entrypoints.settings import CacheSettings, DatabaseSettings, LoggingSettings, Settings

    await recreate_database(options.url)
    settings = Settings(
        environment="test",
        persistence="sql",
        background="off",
        database=DatabaseSettings(url=options.url.replace("postgresql:", "postgresql+asyncpg:")),
        cache=CacheSettings(backend=options.cache),
        logging=LoggingSettings(format="json", level="WARNING", access_log=False),
    )
    container = build_container(settings)
    async with container.platform.sql_database().engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    app = create_app(container)
    app.on_startup.append(freeze_what_start_up_made)  # as `portico serve` does
    async with _lifespan(app):
        user = await create_user(container, "admin")
        headers = [(b"authorization", bearer(container, user, "admin")["Authorization"].encode())]
        ids = []
        for n in range(options.products):
            product = {
                "sku": f"ORDER-BENCH-{n:04d}",
                "name": f"Bench product {n}",
                "price": {"amount": "9.99", "currency": "EUR"},
                "stock": 10_000_000,
            }
            status, answer = await _call(app, "POST", "/api/v1/products", headers, product)
            assert status == 201, (status, answer)
            ids.append(answer.split(b'"id":"', 1)[1].split(b'"', 1)[0].decode())
        turn = itertools.cycle(ids)

        async def place() -> None:
            body = {"lines": [{"product_id": next(turn), "quantity": 1}]}
            status, answer = await _call(app, "POST", "/api/v1/orders", headers, body)
            assert status == 201, (status, answer)

        with _devnull() as devnull, redirect_stdout(devnull):
            await measure(place, CONCURRENCY * 8)  # warm: connections, statements, prices
            await _instrumented(options.callgrind, "on")
            figures = [await measure(place, options.per_round) for _ in range(options.rounds)]
            await _instrumented(options.callgrind, "off")
        if options.profile:
            profile = cProfile.Profile(time.thread_time)  # CPU, not wall
            profile.enable()
            await measure(place, options.per_round)
            profile.disable()
    load = os.getloadavg()
    cpu = statistics.median(f[0] for f in figures)
    rate = statistics.median(f[1] for f in figures)
    rounds = ", ".join(f"{f[0]:.0f}" for f in figures)
    print(
        f"POST /api/v1/orders in process, cache {options.cache}: {cpu:.0f} µs CPU per order "
        f"(rounds {rounds}), {rate:.0f}/s; load average {load[0]:.1f}"
    )
    if options.profile:
        profile.dump_stats(os.environ.get("ORDER_REQUEST_PSTATS", os.devnull))
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=1600)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--cache", choices=("none", "memory"), default="none")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--callgrind", action="store_true", help="instrument the rounds only")
    uvloop.run(main(parser.parse_args()))
