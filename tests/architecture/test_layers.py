"""The layer rule, checked by import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from entrypoints.modules import CONTEXTS

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False, env=env
    )


def test_the_project_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy_project(tmp_path: Path) -> Path:
    """src/, pyproject.toml and the custom contract type it names, in a fresh folder."""
    copy = tmp_path / "project"
    (copy / "tests" / "architecture").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(ROOT / "src"), str(copy)], check=True)
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for name in ("__init__.py", "architecture/__init__.py", "architecture/contexts_contract.py"):
        (copy / "tests" / name).write_text((ROOT / "tests" / name).read_text())
    return copy


def test_a_domain_module_importing_an_adapter_breaks_the_contract(tmp_path: Path) -> None:
    # A copy of the tree with one forbidden import: the same contracts must catch it.
    copy = _copy_project(tmp_path)
    bad = copy / "src" / "domain" / "leak.py"
    bad.write_text(
        textwrap.dedent(
            """
            from adapters.persistence.sql.tables import outbox  # the domain must not know SQL

            TABLE = outbox
            """
        )
    )
    result = _lint_imports(copy, env={"PYTHONPATH": str(copy / "src"), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "domain.leak" in result.stdout


def _unpublished_module(layer: str, context: str) -> str:
    """A module of `context` in `layer` that the contexts contract does not publish."""
    published = (ROOT / "pyproject.toml").read_text()
    for path in sorted((ROOT / "src" / layer / context).glob("[!_]*.py")):
        name = f"{layer}.{context}.{path.stem}"
        if f'"{name}"' not in published:
            return name
    raise AssertionError(f"{layer}/{context} has no unpublished module")


def test_a_context_importing_another_context_breaks_the_contexts_contract(tmp_path: Path) -> None:
    # Whichever contexts a fork keeps: the last one listed imports from the first one.
    first, last = CONTEXTS[0], CONTEXTS[-1]
    target = _unpublished_module("application", first)
    copy = _copy_project(tmp_path)
    (copy / "src" / "application" / last / "leak.py").write_text(
        f"import {target}  # no port declares this\n\nUSED = {target}\n"
    )
    result = _lint_imports(copy, env={"PYTHONPATH": str(copy / "src"), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    said = " ".join(result.stdout.split())  # the report wraps long lines
    assert "Contexts import each other only through declared ports BROKEN" in said
    assert f"application.{last}.leak -> {target} ({last} -> {first})" in said


def test_the_platform_importing_a_context_breaks_the_contexts_contract(tmp_path: Path) -> None:
    target = _unpublished_module("domain", CONTEXTS[0])
    copy = _copy_project(tmp_path)
    (copy / "src" / "application" / "shared" / "leak.py").write_text(
        f"import {target}  # the platform names no context\n\nUSED = {target}\n"
    )
    result = _lint_imports(copy, env={"PYTHONPATH": str(copy / "src"), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    said = " ".join(result.stdout.split())
    assert f"application.shared.leak -> {target} (platform -> {CONTEXTS[0]})" in said
