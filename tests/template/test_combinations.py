"""`make test-combinations` leaves no database behind: each combination's project, its xdist
workers' and its tests' databases are dropped after the run, and no one else's."""

from __future__ import annotations

import os
import subprocess
import uuid

from tools.combinations import drop_databases

PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"]
MARIADB = ["mariadb", "-h", "127.0.0.1", "-u", "root"]


def _postgres(sql: str) -> list[str]:
    return subprocess.run(
        [*PSQL, "-Atc", sql], check=True, capture_output=True, text=True
    ).stdout.split()


def _mariadb(sql: str) -> list[str]:
    return subprocess.run(
        [*MARIADB, "-Ne", sql], check=True, capture_output=True, text=True
    ).stdout.split()


def test_drops_the_projects_databases_and_keeps_the_others() -> None:
    prefix = f"dropme{uuid.uuid4().hex[:6]}_{os.environ.get('PYTEST_XDIST_WORKER', 'x')}_ci"
    ours = [prefix, f"{prefix}_gw0", f"{prefix}_gw1_migrations"]
    others = [f"{prefix}x", f"{prefix[:-1]}_ci"]  # a longer name, and one that differs by a letter
    for name in ours + others:
        _postgres(f'CREATE DATABASE "{name}"')
        _mariadb(f"CREATE DATABASE `{name}`")
    try:
        dropped = drop_databases(prefix)

        assert dropped == sorted(ours)
        left_pg = set(_postgres("SELECT datname FROM pg_database"))
        left_maria = set(_mariadb("SHOW DATABASES"))
        assert not left_pg & set(ours)
        assert not left_maria & set(ours)
        assert set(others) <= left_pg
        assert set(others) <= left_maria
    finally:
        for name in ours + others:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _mariadb(f"DROP DATABASE IF EXISTS `{name}`")
