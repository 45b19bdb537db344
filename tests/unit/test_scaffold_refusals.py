"""`portico scaffold` refuses bad input with one line on stderr, exit code 2, and writes nothing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's src/, migrations/ and pyproject.toml, committed in a git repository."""
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("src", "migrations"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run([*GIT, *command], cwd=root, check=True)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    }


@pytest.fixture
def unchanged(project: Path) -> Iterator[Path]:
    before = _snapshot(project)
    yield project
    assert _snapshot(project) == before, "a refused scaffold wrote something"


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["scaffold", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["context", "class", "--field", "a:str"], "is a Python keyword"),
        (["context", "ship-ment", "--field", "a:str"], "must be lowercase"),
        (["context", "ship2", "--field", "a:str"], "lowercase letters and underscores"),
        (["context", "identity", "--field", "a:str"], "context 'identity' already exists"),
        (["context", "json", "--field", "a:str"], "clashes with a top-level module"),
        (["context", "msgspec", "--field", "a:str"], "clashes with a top-level module"),
        (["context", "shared", "--field", "a:str"], "clashes with src/domain/shared"),
        # Its seed count would be a second `portico seed --users` (identity's).
        (["context", "user", "--field", "a:str"], "portico seed has a --users already"),
        (["context", "crop", "--plural", "seed", "--field", "a:str"], "has a --seed already"),
        (["context", "shipment", "--field", "a:string"], "unknown type 'string'"),
        (["context", "shipment", "--field", "a:str", "--field", "a:int"], "is given twice"),
        (["use-case", "nowhere", "do_it", "--command"], "there is no context 'nowhere'"),
        (["use-case", "identity", "do_it", "--query"], "was not made by `portico scaffold"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    unchanged: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    err = _refused(capsys, *argv, "--root", str(unchanged))
    assert message in err


def test_a_target_with_uncommitted_changes_is_refused(
    unchanged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modules = unchanged / "src" / "entrypoints" / "modules.py"
    text = modules.read_text()
    modules.write_text(text + "# local change\n")
    try:
        err = _refused(capsys, "context", "shipment", "--field", "a:str", "--root", str(unchanged))
    finally:
        modules.write_text(text)
    assert "src/entrypoints/modules.py has uncommitted changes" in err


def test_a_use_case_named_like_a_provider_or_route_is_refused(
    unchanged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Needs a scaffolded context: one is written, committed, and removed after."""
    root = str(unchanged)
    assert main(["scaffold", "context", "parcel", "--field", "label:str", "--root", root]) == 0
    subprocess.run([*GIT, "add", "-A"], cwd=unchanged, check=True)
    subprocess.run([*GIT, "commit", "-qm", "parcel"], cwd=unchanged, check=True)
    capsys.readouterr()
    try:
        for name in ("uow", "get", "read"):
            err = _refused(capsys, "use-case", "parcel", name, "--command", "--root", root)
            assert "is taken by the wiring" in err
        assert main(["scaffold", "use-case", "parcel", "mark", "--query", "--root", root]) == 0
    finally:
        subprocess.run([*GIT, "reset", "-q", "--hard", "HEAD~1"], cwd=unchanged, check=True)
        subprocess.run([*GIT, "clean", "-qfd"], cwd=unchanged, check=True)


def test_a_target_that_exists_is_refused(
    unchanged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = unchanged / "tests" / "api" / "shipment" / "conftest.py"
    stray.parent.mkdir(parents=True)
    stray.write_text("")
    try:
        err = _refused(capsys, "context", "shipment", "--field", "a:str", "--root", str(unchanged))
    finally:
        shutil.rmtree(unchanged / "tests")
    assert "tests/api/shipment/conftest.py already exists" in err
