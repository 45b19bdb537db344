"""One more use case for a scaffolded context: its module, its route, its wiring and its test."""

from __future__ import annotations

from pathlib import Path

from entrypoints.cli.scaffold.errors import ScaffoldError


def use_case_files(
    root: Path, context: str, name: str, kind: str
) -> tuple[dict[str, str], dict[str, str]]:
    raise ScaffoldError("not yet")
