"""Removing a context is deleting its folders and its line in entrypoints/modules.py.

The tree is copied, the context goes (tools/contexts.py: its folders src/<layer>/<context> and
tests/**/<context>, its line, its docs page, its port lines and benchmarks), a migration that
drops its tables is generated as docs/architecture.md shows, and then ruff, mypy, import-linter
and the remaining tests run in the copy: they must all pass.
The remaining tests run in-process (no real servers: those tiers' adapters are the platform's,
unchanged by removing a context, and CI runs them in the full tree).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.modules import CONTEXTS
from tools.contexts import remove_context

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SELF = "tests/architecture/test_remove_context.py"


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "fork"
    ignore = shutil.ignore_patterns(
        ".venv", ".tools", "var", "__pycache__", ".*_cache", ".git", ".hypothesis", "node_modules"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    seed_mypy_cache(ROOT, copy)
    return copy


def seed_mypy_cache(source: Path, target: Path) -> None:
    """Start `target`'s .mypy_cache as a copy of `source`'s (`make test` type-checks before
    pytest): the third-party modules are the same, and mypy re-checks whatever differs. A fork
    tested inside the copy then finds the copy's cache warm too."""
    if (source / ".mypy_cache").is_dir():
        shutil.copytree(source / ".mypy_cache", target / ".mypy_cache")


def _env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_") and k != "CI"}
    # The copy's src/ before the checkout's (installed in the venv as an editable path).
    env["PYTHONPATH"] = str(copy / "src")
    env["PATH"] = f"{BIN}:{ROOT / '.tools' / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PORTICO_DATABASE_URL"] = f"sqlite+aiosqlite:///{copy / 'var' / 'fork.db'}"
    # The copy's fuzz test still sends every check to every operation left; the handlers are the
    # checkout's, which its own run fuzzed with 25 examples each (4.5 s of CPU less here).
    env["FUZZ_MAX_EXAMPLES"] = "5"
    return env


def _run(copy: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=copy, env=_env(copy), capture_output=True, text=True, check=False
    )


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, (
        f"{result.args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )


def remove(copy: Path, context: str) -> list[Path]:
    """What a fork does: delete the context's folders and its line; returns what went."""
    removal = remove_context(copy, context)
    assert Path("src/entrypoints/modules.py") in removal.edited, f"{context} had no line"
    return [copy / path for path in removal.deleted]


# The sample contexts this tree still has, dependants first (ordering needs catalog); organisations
# needs identity only, which stays.
_SAMPLES = [name for name in ("organisations", "ordering", "catalog") if name in CONTEXTS]


# Every sample at once, each removed in turn: the hardest case. A fork that keeps catalog alone is
# the template's own case (tests/template/test_copier_update.py makes one and runs its checks),
# so a second full copy here would repeat those minutes.
@pytest.mark.slow
@pytest.mark.parametrize(
    "contexts", [tuple(_SAMPLES)] if _SAMPLES else [], ids=lambda contexts: "-and-".join(contexts)
)
def test_removing_contexts_leaves_a_green_project(
    contexts: tuple[str, ...], tmp_path: Path
) -> None:
    copy = _copy(tmp_path)
    for context in contexts:
        gone = remove(copy, context)
        assert {p.relative_to(copy).parts[:2] for p in gone if p.is_relative_to(copy / "src")} >= {
            ("src", "domain"),
            ("src", "application"),
            ("src", "adapters"),
            ("src", "entrypoints"),
        }
    (copy / "var").mkdir(exist_ok=True)
    # The API contracts lose the context's routes and events: written again, as a fork does.
    _ok(_run(copy, str(BIN / "python"), "-m", "tools.contracts"))

    # The migration that drops the removed tables, generated against a database at head.
    _ok(_run(copy, str(BIN / "portico"), "db", "upgrade"))
    message = "remove " + " and ".join(contexts)
    before = set((copy / "migrations" / "versions").glob("*.py"))
    _ok(_run(copy, str(BIN / "portico"), "db", "revision", "--autogenerate", "-m", message))
    # The new file (alembic shortens a long message in the file's name).
    [migration] = set((copy / "migrations" / "versions").glob("*.py")) - before
    assert "drop_table" in migration.read_text()
    _ok(_run(copy, str(BIN / "ruff"), "format", "migrations"))
    _ok(_run(copy, str(BIN / "ruff"), "check", "--fix", "migrations"))

    _ok(_run(copy, str(BIN / "ruff"), "check", "src", "tests", "migrations"))
    _ok(_run(copy, str(BIN / "ruff"), "format", "--check", "src", "tests", "migrations"))
    _ok(_run(copy, str(BIN / "mypy"), "--cache-dir", str(copy / ".mypy_cache")))
    _ok(_run(copy, str(BIN / "lint-imports"), "--no-cache"))
    tests = _run(
        copy,
        str(BIN / "pytest"),
        "tests",
        "-q",
        "-p",
        "no:cacheprovider",
        "--ignore=tests/e2e",
        "--ignore=tests/template",  # the template's tests of itself (tests/template/)
        f"--deselect={SELF}",
        # Scaffolding in a fork is proved by the template's project (tests/template), which runs
        # it; here it would only repeat that minute twice.
        "--deselect=tests/architecture/test_scaffold.py",
        "-m",
        "not postgres and not mariadb and not redis and not nats",
    )
    _ok(tests)
    assert " passed" in tests.stdout
    assert "failed" not in tests.stdout
