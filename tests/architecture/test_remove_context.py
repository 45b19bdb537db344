"""Removing a context is deleting its folders and its line in entrypoints/modules.py.

The tree is copied, the context goes (tools/contexts.py: its folders src/<layer>/<context> and
tests/**/<context>, its line, its docs page, its port lines and benchmarks), a migration that
drops its tables is generated as docs/architecture.md shows, and then ruff, mypy, import-linter
and the remaining tests run in the copy: they must all pass. The copy is made once a run (the
`fork` fixture) and each check, and its suite, is a test of its own.
The remaining tests run in-process (no real servers: those tiers' adapters are the platform's,
unchanged by removing a context, and CI runs them in the full tree).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Fork:
    """The copy with every sample removed, each in turn (the hardest case), and what went."""

    copy: Path
    gone: dict[str, list[Path]]
    migration: Path


def _make_fork(copy_in: Path, contexts: tuple[str, ...]) -> Fork:
    copy = _copy(copy_in)
    gone = {context: remove(copy, context) for context in contexts}
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
    _ok(_run(copy, str(BIN / "ruff"), "format", "migrations"))
    _ok(_run(copy, str(BIN / "ruff"), "check", "--fix", "migrations"))
    return Fork(copy, gone, migration)


# A fork that keeps catalog alone is the template's own case (tests/template/test_copier_update.py
# makes one and runs its checks), so a second full copy here would repeat those minutes.
@pytest.fixture(
    scope="session",
    params=[tuple(_SAMPLES)] if _SAMPLES else [],
    ids=lambda contexts: "-and-".join(contexts),
)
def fork(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Fork:
    """One fork for the run, made by the first xdist worker that asks (the others wait on the
    lock, then read it): the checks and its suite below are separate tests."""
    contexts: tuple[str, ...] = request.param
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is a folder of the run's: their parent is the run's own.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    made = shared / ("fork-" + "-and-".join(contexts) + ".pickle")
    with (shared / "fork.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if made.exists():
            fork: Fork = pickle.loads(made.read_bytes())
            return fork
        # A worker whose making failed left no record: the next one makes it again (and fails the
        # same way, with its own message).
        fork = _make_fork(Path(tempfile.mkdtemp(dir=shared, prefix="fork-")), contexts)
        made.write_bytes(pickle.dumps(fork))
        return fork


@pytest.mark.slow
def test_each_context_went_from_every_layer(fork: Fork) -> None:
    for context, gone in fork.gone.items():
        layers = {
            p.relative_to(fork.copy).parts[:2] for p in gone if p.is_relative_to(fork.copy / "src")
        }
        assert layers >= {
            ("src", "domain"),
            ("src", "application"),
            ("src", "adapters"),
            ("src", "entrypoints"),
        }, context


@pytest.mark.slow
def test_the_generated_migration_drops_the_tables(fork: Fork) -> None:
    assert "drop_table" in fork.migration.read_text()


@pytest.mark.slow
def test_the_fork_is_lint_clean(fork: Fork) -> None:
    _ok(_run(fork.copy, str(BIN / "ruff"), "check", "src", "tests", "migrations"))
    _ok(_run(fork.copy, str(BIN / "ruff"), "format", "--check", "src", "tests", "migrations"))


@pytest.mark.slow
def test_the_fork_type_checks(fork: Fork) -> None:
    _ok(_run(fork.copy, str(BIN / "mypy"), "--cache-dir", str(fork.copy / ".mypy_cache")))


@pytest.mark.slow
def test_the_forks_layers_hold(fork: Fork) -> None:
    _ok(_run(fork.copy, str(BIN / "lint-imports"), "--no-cache"))


# The copy's suite in one pytest process. It was four shards, each a test so that the xdist
# workers could share them out, but tests/support/schedule.py deals a module's slow tests to one
# worker (its fixture, the fork, is made once there), so they ran one after the other anyway and
# three of them only paid pytest's start again (~2.5 s of CPU each, with the app's imports).
@pytest.mark.slow
def test_the_forks_tests_pass(fork: Fork) -> None:
    tests = _run(
        fork.copy,
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
