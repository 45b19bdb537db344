"""The garbage collector's pauses under requests, with and without `gc.freeze` after start-up.

    uv run python -m bench.gc_pause [--requests 600] [--frozen]

Builds the app (memory persistence, the access line off) and serves `GET /api/v1/products`
through ASGI to 32 coroutines on uvloop, 600 requests each, timing every collection by generation
(`gc.callbacks`) and every request. `--frozen` runs start-up's objects through
entrypoints/heap.py first, as `portico serve` and `portico worker` do. Run both, interleaved.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from typing import Any

import uvloop

from bench.query_side import _asgi, _lifespan
from entrypoints.container import build_container
from entrypoints.heap import freeze_what_start_up_made
from entrypoints.http.app import create_app
from entrypoints.settings import LoggingSettings, Settings

CONCURRENCY = 32


async def main(requests: int, frozen: bool) -> None:
    settings = Settings(
        environment="test", persistence="memory", logging=LoggingSettings(access_log=False)
    )
    app = create_app(build_container(settings))
    read = _asgi(app, lambda _: "/api/v1/products")
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            pauses[info["generation"]].append((time.perf_counter() - started.pop()) * 1000)

    latencies: list[float] = []

    async def client() -> None:
        for _ in range(requests):
            began = time.perf_counter()
            await read(None)  # type: ignore[arg-type]
            latencies.append((time.perf_counter() - began) * 1000)

    async with _lifespan(app):
        if frozen:
            freeze_what_start_up_made()
        gc.callbacks.append(timed)
        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
        gc.callbacks.remove(timed)
    latencies.sort()
    print(
        f"frozen={frozen} tracked={len(gc.get_objects())} permanent={gc.get_freeze_count()} "
        f"req/s={len(latencies) / elapsed:.0f} p50={latencies[len(latencies) // 2]:.2f} ms "
        f"p99={latencies[int(len(latencies) * 0.99)]:.2f} ms max={latencies[-1]:.1f} ms"
    )
    for generation, each in pauses.items():
        if each:
            print(
                f"  gen{generation}: {len(each)} passes, median {statistics.median(each):.3f} ms, "
                f"max {max(each):.2f} ms, {sum(each):.0f} ms in all"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="per coroutine")
    parser.add_argument("--frozen", action="store_true")
    arguments = parser.parse_args()
    uvloop.run(main(arguments.requests, arguments.frozen))
