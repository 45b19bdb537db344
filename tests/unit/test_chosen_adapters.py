"""A process imports the adapters its settings choose, and no others (entrypoints/deferred.py):
an app on SQLite with the memory cache and bus never loads redis-py, nats-py, httpx, Authlib,
aiosmtplib or another engine's driver (about 15 MB of a worker, bench/README.md), nor, on any
setup, SQLAlchemy's ORM (7 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.container import build_container
from entrypoints.deferred import NAMED

PROBE = """
import json, sys
from entrypoints.container import active_probes, build_container
from entrypoints.http.app import create_app
container = build_container()
create_app(container)
for name in ("resources", "consumers", "listeners", "projectors", "maintenance"):
    getattr(container, name)()
active_probes(container)
names = {m.split(".")[0] for m in sys.modules} | set(sys.modules)
print(json.dumps(sorted(names & set(WATCHED))))
"""
WATCHED = ("redis", "nats", "httpx", "authlib", "aiosmtplib", "asyncpg", "asyncmy")
WATCHED += ("sqlalchemy.orm",)  # entrypoints/sqlalchemy_import.py
WATCHED += ("prometheus_client",)  # with metrics off (the default), nothing is counted
WATCHED += ("opentelemetry.sdk.metrics", "opentelemetry.metrics")  # [adapter:redis]


# The asyncio extension, asked for after PROBE in the same interpreter (PROBE's line first): the
# app loads `sqlalchemy.ext.asyncio` without its `__init__` (no ORM, 7 MB); a name asked of the
# package later runs it, so the package is complete (Alembic, the tests).
ASYNCIO_ASKED = """
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.ext.asyncio.engine import AsyncEngine as Defined
assert AsyncEngine is Defined and "sqlalchemy.orm" in sys.modules
import sqlalchemy.ext.asyncio
print(sqlalchemy.ext.asyncio.async_sessionmaker.__name__, AsyncSession.__name__)
"""


def probed(tmp_path: Path, then: str = "", **environment: str) -> list[str]:
    """The lines PROBE, and `then` after it, printed in a new interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "OTEL_"))}
    env.update(PORTICO_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'portico.db'}")
    env.update({"PORTICO_CACHE": "memory", "PORTICO_BUS": "memory", **environment})
    code = f"WATCHED = {WATCHED!r}\n{PROBE}{then}"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def loaded(tmp_path: Path, **environment: str) -> list[str]:
    return list(json.loads(probed(tmp_path, **environment)[-1]))


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """PROBE's line and ASYNCIO_ASKED's, on SQLite with the memory cache and bus."""
    return probed(tmp_path_factory.mktemp("sqlite"), ASYNCIO_ASKED)[-2:]


def test_an_app_on_sqlite_with_the_memory_cache_and_bus_imports_no_other_adapter(
    on_sqlite: list[str],
) -> None:
    assert json.loads(on_sqlite[0]) == []


def test_the_asyncio_extension_is_whole_for_whoever_asks_for_it(on_sqlite: list[str]) -> None:
    assert on_sqlite[1].split() == ["async_sessionmaker", "AsyncSession"]


# [adapter:redis begin]
@pytest.fixture(scope="module")
def redis_chosen(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The watched modules of an app with the Redis cache: one interpreter for both tests."""
    return loaded(tmp_path_factory.mktemp("redis"), PORTICO_CACHE="redis")


def test_choosing_redis_imports_it(redis_chosen: list[str]) -> None:  # so the probe above can fail
    assert "redis" in redis_chosen


def test_redis_comes_without_the_opentelemetry_sdk_metrics(redis_chosen: list[str]) -> None:
    """redis-py imports them when installed, for metrics of its own nothing turns on: 2.5 MB
    (entrypoints/redis_import.py)."""
    assert "opentelemetry.sdk.metrics" not in redis_chosen
    assert "opentelemetry.metrics" not in redis_chosen


# [adapter:redis end]
# [adapter:nats begin]
def test_choosing_nats_imports_it(tmp_path: Path) -> None:
    assert "nats" in loaded(tmp_path, PORTICO_BUS="nats")


# [adapter:nats end]


def test_every_adapter_named_by_path_exists() -> None:
    build_container()  # every context's container: every table that names one
    assert NAMED
    for named in NAMED:
        assert callable(named.resolve()), named
