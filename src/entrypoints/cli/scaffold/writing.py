"""Check every target, tidy the Python with the project's ruff, then write it all (or nothing)."""

from __future__ import annotations

import shutil
import subprocess
import sys
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
    files = {path: _tidy(root, path, text) for path, text in {**new, **edited}.items()}
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


def _tidy(root: Path, path: str, text: str) -> str:
    """Sorted imports, unused ones dropped, formatted: what the project's ruff settings say."""
    if not path.endswith(".py") or not text.strip():
        return text
    ruff, name = _ruff(), str(root / path)
    for command in (
        [ruff, "check", "--fix", "--exit-zero", "--quiet", "--select", "I,F401", *_FIRST_PARTY],
        [ruff, "format", "--quiet"],
    ):
        result = subprocess.run(  # noqa: S603 - the project's ruff on text we rendered
            [*command, "--stdin-filename", name, "-"],
            input=text,
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ScaffoldError(f"ruff could not read the rendered {path}: {result.stderr.strip()}")
        text = result.stdout
    return text
