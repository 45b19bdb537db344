"""`portico serve`'s workers build the app through entrypoints/http/served.py: once started, what
start-up made is out of the collector's full passes (gc.freeze); an app built by create_app alone
(as the tests build hundreds) freezes nothing. In a subprocess: freezing is for the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from entrypoints.cli.serve import APP_FACTORY

PROBE = """
import asyncio, gc, json, importlib

module, name = FACTORY.split(":")
app = getattr(importlib.import_module(module), name)()

async def started() -> int:
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

print(json.dumps(asyncio.run(started())))
"""


def frozen_after_start(tmp_path: Path, factory: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "OTEL_"))}
    env.update(PORTICO_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'portico.db'}")
    env.update(PORTICO_PERSISTENCE="memory", PORTICO_ACCESS_LOG="false")
    done = subprocess.run(
        [sys.executable, "-c", f"FACTORY = {factory!r}\n{PROBE}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout.splitlines()[-1]))


def test_the_served_app_freezes_what_start_up_made(tmp_path: Path) -> None:
    assert APP_FACTORY == "entrypoints.http.served:create_served_app"
    # The app, its routes and the libraries' modules: far more than a few objects.
    assert frozen_after_start(tmp_path, APP_FACTORY) > 50_000


def test_an_app_built_by_create_app_alone_freezes_nothing(tmp_path: Path) -> None:
    assert frozen_after_start(tmp_path, "entrypoints.http.app:create_app") == 0
