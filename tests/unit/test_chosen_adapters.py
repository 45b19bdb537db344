"""A process imports the adapters its settings choose, and no others (entrypoints/deferred.py):
an app on SQLite with the memory cache and bus never loads redis-py, nats-py, httpx, Authlib,
aiosmtplib or another engine's driver (about 15 MB of a worker, bench/README.md), nor, on any
setup, SQLAlchemy's ORM (7 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from entrypoints.container import build_container
from entrypoints.deferred import NAMED

# Each setup's settings over the embedded defaults (SQLite, the memory cache and bus), probed in
# this order in ONE interpreter (a fresh one that builds the app is ~1.5 s of CPU): each reports
# the watched modules it loaded first, so the first answers for itself and each other one for
# what its own choice added (the first loads none of them: its test says so).
SETUPS: dict[str, dict[str, str]] = {"sqlite": {}}
SETUPS["redis"] = {"PORTICO_CACHE": "redis"}  # [adapter:redis]
SETUPS["nats"] = {"PORTICO_BUS": "nats"}  # [adapter:nats]
DEFAULTS = {"PORTICO_CACHE": "memory", "PORTICO_BUS": "memory"}

PROBE = """
import json, os, sys
from entrypoints.container import active_probes, build_container
from entrypoints.http.app import create_app

def watched():
    names = {m.split(".")[0] for m in sys.modules} | set(sys.modules)
    return names & set(WATCHED)

found = {}
for name, setup in SETUPS.items():
    before = watched()
    os.environ.update({**DEFAULTS, **setup})
    container = build_container()
    create_app(container)
    for provider in ("resources", "consumers", "listeners", "projectors", "maintenance"):
        getattr(container, provider)()
    active_probes(container)
    found[name] = sorted(watched() - before)
"""
WATCHED = ("redis", "nats", "httpx", "authlib", "aiosmtplib", "asyncpg", "asyncmy")
WATCHED += ("sqlalchemy.orm",)  # entrypoints/sqlalchemy_import.py
WATCHED += ("prometheus_client",)  # with metrics off (the default), nothing is counted
WATCHED += ("opentelemetry.sdk.metrics", "opentelemetry.metrics")  # [adapter:redis]


# The asyncio extension, asked for after every setup in the same interpreter: the app loads
# `sqlalchemy.ext.asyncio` without its `__init__` (no ORM, 7 MB); a name asked of the package
# later runs it, so the package is complete (Alembic, the tests).
ASYNCIO_ASKED = """
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.ext.asyncio.engine import AsyncEngine as Defined
assert AsyncEngine is Defined and "sqlalchemy.orm" in sys.modules
import sqlalchemy.ext.asyncio
found["asyncio"] = [sqlalchemy.ext.asyncio.async_sessionmaker.__name__, AsyncSession.__name__]
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """What PROBE found for each setup, and ASYNCIO_ASKED's names, from a new interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "OTEL_"))}
    database = tmp_path_factory.mktemp("probe") / "portico.db"
    env.update(PORTICO_DATABASE_URL=f"sqlite+aiosqlite:///{database}")
    given = f"WATCHED = {WATCHED!r}\nSETUPS = {SETUPS!r}\nDEFAULTS = {DEFAULTS!r}\n"
    done = subprocess.run(
        [sys.executable, "-c", given + PROBE + ASYNCIO_ASKED],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_an_app_on_sqlite_with_the_memory_cache_and_bus_imports_no_other_adapter(
    probed: dict[str, list[str]],
) -> None:
    assert probed["sqlite"] == []


def test_the_asyncio_extension_is_whole_for_whoever_asks_for_it(
    probed: dict[str, list[str]],
) -> None:
    assert probed["asyncio"] == ["async_sessionmaker", "AsyncSession"]


# [adapter:redis begin]
def test_choosing_redis_imports_it(probed: dict[str, list[str]]) -> None:  # so PROBE can fail
    assert "redis" in probed["redis"]


def test_redis_comes_without_the_opentelemetry_sdk_metrics(probed: dict[str, list[str]]) -> None:
    """redis-py imports them when installed, for metrics of its own nothing turns on: 2.5 MB
    (entrypoints/redis_import.py)."""
    assert "opentelemetry.sdk.metrics" not in probed["redis"]
    assert "opentelemetry.metrics" not in probed["redis"]


# [adapter:redis end]
# [adapter:nats begin]
def test_choosing_nats_imports_it(probed: dict[str, list[str]]) -> None:
    assert "nats" in probed["nats"]


# [adapter:nats end]


def test_every_adapter_named_by_path_exists() -> None:
    build_container()  # every context's container: every table that names one
    assert NAMED
    for named in NAMED:
        assert callable(named.resolve()), named
