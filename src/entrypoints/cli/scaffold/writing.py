"""Check every target, tidy the Python with the project's ruff, then write it all (or nothing)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from entrypoints.cli.scaffold.errors import ScaffoldError


def write_all(root: Path, new: dict[str, str], edited: dict[str, str]) -> list[str]:
    """Write `new` files (none may exist) and `edited` ones (each must be clean in git)."""
    for path in sorted(new):
        if (root / path).exists():
            raise ScaffoldError(f"{path} already exists; nothing was written")
    dirty = _uncommitted(root, sorted(edited))
    if dirty:
        raise ScaffoldError(f"{dirty[0]} has uncommitted changes; commit or stash them first")
    files = _tidy(root, {**new, **edited})
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return sorted(files)


def _uncommitted(root: Path, paths: list[str]) -> list[str]:
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        return []
    status = subprocess.run(  # noqa: S603 - git with our own arguments
        [git, "status", "--porcelain", "--", *paths],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line[3:] for line in status.stdout.splitlines()]


# The new packages do not exist yet, so ruff cannot see they are ours: say it.
_FIRST_PARTY = [
    "--config",
    "lint.isort.known-first-party = ['domain', 'application', 'adapters', 'entrypoints', 'tests']",
]


def _ruff() -> str:
    beside = Path(sys.executable).parent / "ruff"
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        raise ScaffoldError("scaffold needs ruff (a dev dependency: uv sync)")
    return found


def _tidy(root: Path, files: dict[str, str]) -> dict[str, str]:
    """Sorted imports, unused ones dropped, formatted, as the project's ruff settings say: in a
    scratch copy, so nothing in the project is touched before every check has passed."""
    ruff, config = _ruff(), ["--config", str(root / "pyproject.toml"), *_FIRST_PARTY]
    with tempfile.TemporaryDirectory() as scratch:
        for path, text in files.items():
            (Path(scratch) / path).parent.mkdir(parents=True, exist_ok=True)
            (Path(scratch) / path).write_text(text)
        for command in (
            [
                ruff,
                "check",
                "--no-cache",
                "--fix",
                "--exit-zero",
                "--quiet",
                "--select",
                "I,F401",
                *config,
            ],
            [ruff, "format", "--no-cache", "--quiet", *config[:2]],
        ):
            result = subprocess.run(  # noqa: S603 - the project's ruff on text we rendered
                [*command, scratch], cwd=root, capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                raise ScaffoldError(f"ruff could not tidy the rendered files: {result.stderr}")
        return {path: (Path(scratch) / path).read_text() for path in files}
