"""A route's synchronous dependencies run in line, in the request's own task; dependencies that
wait still run concurrently; each still sees the ones it needs
(entrypoints/http/dependency_batches.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, get
from litestar.di import NamedDependency, Provide
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from entrypoints.http.dependency_batches import resolve_in_line


def _app() -> Litestar:
    both_started = asyncio.Event()
    waiting = 0

    def use_case() -> object:
        return asyncio.current_task()

    async def first() -> int:
        return await _meet()

    async def second() -> int:
        return await _meet()

    async def _meet() -> int:
        nonlocal waiting
        waiting += 1
        if waiting == 2:
            both_started.set()
        # Only returns if the other started meanwhile: run one after the other, this times out.
        await asyncio.wait_for(both_started.wait(), 5)
        return 1

    async def total(first: NamedDependency[int], second: NamedDependency[int]) -> int:
        return first + second

    async def generated() -> AsyncIterator[str]:
        yield "opened"

    @get("/")
    async def handler(
        use_case: NamedDependency[object],
        total: NamedDependency[int],
        generated: NamedDependency[str],
    ) -> dict[str, Any]:
        nonlocal waiting
        waiting = 0
        both_started.clear()
        return {
            "in_line": use_case is asyncio.current_task(),
            "total": total,
            "generated": generated,
        }

    app = Litestar(
        [handler],
        dependencies={
            "use_case": Provide(use_case, sync_to_thread=False),
            "first": Provide(first),
            "second": Provide(second),
            "total": Provide(total),
            "generated": Provide(generated),
        },
    )
    resolve_in_line(app)
    return app


async def test_a_synchronous_dependency_runs_in_the_requests_task() -> None:
    async with AsyncTestClient(_app()) as client:
        response = await client.get("/")
    assert response.status_code == 200, response.text
    assert response.json() == {"in_line": True, "total": 2, "generated": "opened"}


async def test_dependencies_that_wait_still_share_a_batch() -> None:
    app = _app()
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.path == "/")
    _, model = route.route_handler_map["GET"]
    batches = [sorted(d.key for d in batch) for batch in model.dependency_batches]
    assert batches == [["use_case"], ["first", "generated", "second"], ["total"]]


def test_no_route_of_the_app_resolves_a_synchronous_dependency_in_a_task(app: Litestar) -> None:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for _, model in route.route_handler_map.values():
            for batch in model.dependency_batches:
                assert len(batch) == 1 or all(not d.provide.has_sync_callable for d in batch), (
                    route.path,
                    [d.key for d in batch],
                )
