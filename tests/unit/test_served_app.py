"""`portico serve`'s workers build the app through entrypoints/http/served.py: once started, what
start-up made is out of the collector's full passes (gc.freeze); an app built by create_app alone
(as the tests build hundreds) freezes nothing. In a subprocess: freezing is for the process; one
for both, create_app's app started first (gc.freeze freezes every object, not only an app's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from entrypoints.cli.serve import APP_FACTORY

ALONE = "entrypoints.http.app:create_app"
FACTORIES = (ALONE, APP_FACTORY)  # the one that freezes nothing first
PROBE = """
import asyncio, gc, json, importlib

async def started(factory: str) -> int:
    module, name = factory.split(":")
    app = getattr(importlib.import_module(module), name)()
    inbox, outbox = asyncio.Queue(), asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    frozen = gc.get_freeze_count()
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await task
    return frozen

print(json.dumps({factory: asyncio.run(started(factory)) for factory in FACTORIES}))
"""


@pytest.fixture(scope="module")
def frozen_after_start(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """gc.get_freeze_count() once each factory's app started, in FACTORIES' order."""
    tmp_path = tmp_path_factory.mktemp("served")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "OTEL_"))}
    env.update(PORTICO_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'portico.db'}")
    env.update(PORTICO_PERSISTENCE="memory", PORTICO_ACCESS_LOG="false")
    done = subprocess.run(
        [sys.executable, "-c", f"FACTORIES = {FACTORIES!r}\n{PROBE}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    counts: dict[str, int] = json.loads(done.stdout.splitlines()[-1])
    return counts


def test_the_served_app_freezes_what_start_up_made(frozen_after_start: dict[str, int]) -> None:
    assert APP_FACTORY == "entrypoints.http.served:create_served_app"
    # The app, its routes and the libraries' modules: far more than a few objects.
    assert frozen_after_start[APP_FACTORY] > 50_000


def test_an_app_built_by_create_app_alone_freezes_nothing(
    frozen_after_start: dict[str, int],
) -> None:
    assert frozen_after_start[ALONE] == 0
