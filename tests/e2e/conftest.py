"""Real `portico` processes on free ports."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.databases import recreate_database, with_database
from tests.support.servers import PATIENCE as PATIENCE  # a client of a started server waits this
from tests.support.servers import free_port, require_sql_server

PORTICO = str(Path(sys.executable).parent / "portico")
START_TIMEOUT = 90


def portico_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env.update(
        {f"PORTICO_{key.upper()}": value for key, value in {**FAST_AUTH, **settings}.items()}
    )
    return env


def run_portico(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PORTICO, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Cheap argon2 for tests; the dev signing key goes to the test's own folder.
FAST_AUTH = {
    "password_time_cost": "1",
    "password_memory_kib": "1024",
    "password_parallelism": "1",
}


def create_admin(env: dict[str, str], cwd: Path, email: str, password: str) -> None:
    made = run_portico("users", "create-admin", "--email", email, env=env, cwd=cwd, stdin=password)
    assert made.returncode == 0, made.stderr


# The administrator the migrated templates hold (`portico users create-admin` made it).
ADMIN = ("admin@example.com", "an administrator secret")


# Most tests here need a migrated database (with an administrator, or empty for `portico seed`),
# not the migration itself (test_serve.py's engine test, the identity flow and row security run
# `portico db upgrade` as their subject). `db upgrade` costs about 0.7 s of CPU and
# `users create-admin` about 1 s, so each runs once per session (per pytest-xdist worker) into a
# template, and those tests take a copy of it: the same rows.
@pytest.fixture(scope="session")
def sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file `portico db upgrade` migrated, no rows: copy it with `sqlite_copy`."""
    folder = tmp_path_factory.mktemp("sqlite-migrated")
    env = portico_env(database_url=f"sqlite+aiosqlite:///{folder / 'migrated.db'}")
    migrated = run_portico("db", "upgrade", env=env, cwd=folder)
    assert migrated.returncode == 0, migrated.stderr
    return folder / "migrated.db"


@pytest.fixture(scope="session")
def sqlite_template(sqlite_migrated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sqlite_migrated` with ADMIN: copy it with `sqlite_copy`."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    env = portico_env(database_url=sqlite_copy(sqlite_migrated, folder, "template.db"))
    create_admin(env, folder, *ADMIN)
    return folder / "template.db"


def sqlite_copy(template: Path, folder: Path, name: str = "portico.db") -> str:
    """The URL of a copy of `template` in `folder` (SQLite's backup: whole, WAL or not)."""
    with (
        closing(sqlite3.connect(template)) as source,
        closing(sqlite3.connect(folder / name)) as copy,
    ):
        source.backup(copy)
    return f"sqlite+aiosqlite:///{folder / name}"


# [adapter:postgresql begin]
@pytest.fixture(scope="session")
def postgres_migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The name of a PostgreSQL database `portico db upgrade` migrated, no rows: copy it with
    `postgres_copy`."""
    base = require_sql_server("postgresql")
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_e2e_migrated")
    asyncio.run(recreate_database(url))
    migrated = run_portico(
        "db", "upgrade", env=portico_env(database_url=url), cwd=tmp_path_factory.mktemp("pg")
    )
    assert migrated.returncode == 0, migrated.stderr
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def postgres_template(postgres_migrated: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`postgres_migrated` with ADMIN: copy it with `postgres_copy`."""
    url = postgres_copy(postgres_migrated, "e2e_template")
    create_admin(
        portico_env(database_url=url), tmp_path_factory.mktemp("postgres-template"), *ADMIN
    )
    return url.rsplit("/", 1)[1]


def postgres_copy(template: str, name: str) -> str:
    """The URL of database `name`, made anew as a copy of `template` on the test server."""
    base = require_sql_server("postgresql")
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_{name}")
    asyncio.run(recreate_database(url, template=template))
    return url


# [adapter:postgresql end]


def sign_in(http: httpx.Client, email: str, password: str) -> dict[str, str]:
    """Log in and return the Authorization header for the access token."""
    response = http.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def serving(
    env: dict[str, str], cwd: Path, *args: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`portico serve` (and `args`) on a free port; yields its base URL once /health/live
    answers."""
    with serving_together([env], cwd, *args) as (server,):
        yield server


@contextmanager
def serving_together(
    envs: Sequence[dict[str, str]], cwd: Path, *args: str
) -> Iterator[list[tuple[str, subprocess.Popen[str]]]]:
    """One `portico serve` per env, each on a free port, started at once and stopped at once;
    yields their base URLs once each /health/live answers. A start is about 2 s of CPU (the
    app; with several workers, the check child too) and a test used to wait for each server's
    before starting the next."""
    servers: list[tuple[str, subprocess.Popen[str]]] = []
    try:
        for env in envs:
            port = free_port()
            process = subprocess.Popen(
                [PORTICO, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                env=env,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,  # its own process group: a hung one is killed whole
            )
            servers.append((f"http://127.0.0.1:{port}", process))
        # Generous: with one pytest-xdist worker per core, several servers may be starting at once.
        deadline = time.monotonic() + START_TIMEOUT
        # One client for every poll: httpx.get makes a client, and its TLS context, per call
        # (~24 ms of CPU against ~0.1 ms), and a start takes tens of polls.
        with httpx.Client(timeout=1) as probe:
            starting = list(servers)
            while starting:
                for base, process in list(starting):
                    if process.poll() is not None:
                        raise AssertionError(f"portico serve exited: {process.communicate()}")
                    with contextlib.suppress(httpx.TransportError):  # not listening yet
                        if probe.get(f"{base}/health/live").status_code == 200:
                            starting.remove((base, process))
                if not starting:
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"portico serve did not answer within {START_TIMEOUT} s")
                time.sleep(0.1)
        yield servers
    finally:
        running = [process for _, process in servers if process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:  # the group: granian's workers too, not orphaned
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
