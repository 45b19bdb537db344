"""`portico db upgrade` from an installed wheel, run outside the repository.

The wheel carries the migrations (pyproject.toml ships migrations/ as entrypoints/migrations):
this builds it, installs it into a fresh virtualenv with the locked versions of its
dependencies, and migrates a new SQLite database from a directory with no alembic.ini nearby.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from adapters.persistence.sql.schema import metadata
from entrypoints.cli.db import alembic_config

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _uv() -> str:
    """uv as the Makefile finds it: on PATH, else .tools/bin/uv (`make install` puts it there)."""
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).is_file():
        pytest.fail("uv is neither on PATH nor in .tools/bin: run `make install`")
    return found


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    command = [str(arg) for arg in args]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_portico_db_upgrade_works_from_an_installed_wheel(tmp_path: Path) -> None:
    uv = _uv()
    # uv as from a shell: not inside the virtualenv of a `uv run` the tests may be running under.
    uv_env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    python, locked = venv / "bin" / "python", tmp_path / "locked.txt"
    work.mkdir()

    _run(uv, "build", "--wheel", "--quiet", "-o", dist, ROOT, cwd=tmp_path, env=uv_env)
    (wheel,) = dist.glob("portico-*.whl")
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path, env=uv_env)
    # The dependencies at their locked versions (those CI tests, likely in uv's cache already).
    export = ["export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--quiet"]
    _run(uv, *export, "--project", ROOT, "-o", locked, cwd=tmp_path, env=uv_env)
    install: list[str | Path] = [
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "-c",
        locked,
        wheel,
    ]
    _run(uv, *install, cwd=tmp_path, env=uv_env)

    database = tmp_path / "x.db"
    env = {  # nothing from this checkout: no PYTHONPATH, no PORTICO_* but the URL
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PORTICO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }
    code = "from entrypoints.cli.db import migrations_dir; print(migrations_dir())"
    where = _run(python, "-c", code, cwd=work, env=env).strip()
    assert Path(where).is_relative_to(venv), where  # the wheel's copy, not the checkout's
    _run(venv / "bin" / "portico", "db", "upgrade", cwd=work, env=env)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert "alembic_version" in tables
    assert set(metadata.tables) <= tables  # every context's tables, whichever contexts there are
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert version == head
