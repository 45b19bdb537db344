"""The breaking-change gate of the HTTP API (`make api-check`, docs/api.md).

Optic (`@useoptic/optic`, from tools/api/) compares the committed OpenAPI document with the
baseline, docs/api/openapi.baseline.json: the API as clients last received it. A breaking change
(a route, field, status or enum value removed, a request field made required, a type narrowed)
fails unless the document's major version (`API_VERSION`) is above the baseline's. At a release,
`python -m tools.api_compat --mark` makes the current document the baseline.

A project without a baseline has released nothing yet: every change passes (a project made with
`copier copy` starts so). Exit codes: 0 compatible (or a new major, or no baseline), 1 breaking,
2 the check could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CURRENT = ROOT / "docs/api/openapi.json"
BASELINE = ROOT / "docs/api/openapi.baseline.json"
OPTIC = ROOT / "tools/api/node_modules/.bin/optic"
# Optic reports each broken rule with this sentence; its exit code alone also covers failures.
BREAKING = "This is a breaking change"


@dataclass(frozen=True, slots=True)
class Comparison:
    breaking: bool
    report: str


def major(document: Path) -> int:
    version = str(json.loads(document.read_text(encoding="utf-8"))["info"]["version"])
    return int(version.split(".", 1)[0])


def compare(baseline: Path, current: Path, optic: Path = OPTIC) -> Comparison:
    """Optic's verdict on `current` against `baseline`; RuntimeError if Optic could not judge."""
    env = {**os.environ, "OPTIC_TELEMETRY_LEVEL": "off"}  # no analytics, no error reports
    # In a scratch folder: with CI set, Optic leaves a ci-run-details.json where it runs.
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(  # noqa: S603 (our own tool, our own files)
            [str(optic), "diff", str(baseline.resolve()), str(current.resolve()), "--check"],
            capture_output=True,
            text=True,
            env=env,
            cwd=scratch,
            timeout=300,
        )
    report = result.stdout + result.stderr
    if result.returncode == 0:
        return Comparison(False, report)
    if BREAKING in report:
        return Comparison(True, report)
    raise RuntimeError(f"optic could not compare the documents:\n{report}")


def verdict(baseline: Path, current: Path, comparison: Comparison) -> str | None:
    """None when `current` may be released; otherwise why not and what to do."""
    if not comparison.breaking or major(current) > major(baseline):
        return None
    return (
        f"{_shown(current)} breaks clients of {_shown(baseline)} "
        f"(version {major(baseline)}.x): make the change compatible, or raise API_VERSION's "
        "major in src/entrypoints/http/openapi.py; if no client has seen the old shape yet, "
        "`python -m tools.api_compat --mark` moves the baseline (docs/api.md)"
    )


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="api_compat", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mark", action="store_true", help="make the current document the baseline"
    )
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--current", type=Path, default=CURRENT)
    args = parser.parse_args(argv)
    if args.mark:
        shutil.copyfile(args.current, args.baseline)
        print(f"api_compat: {_shown(args.baseline)} is now the baseline")
        return 0
    if not args.baseline.exists():
        print(f"api_compat: no {_shown(args.baseline)}: no release yet, nothing to keep (--mark)")
        return 0
    try:
        comparison = compare(args.baseline, args.current)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"api_compat: {error}", file=sys.stderr)
        return 2
    if problem := verdict(args.baseline, args.current, comparison):
        print(comparison.report, file=sys.stderr)
        print(f"api_compat: {problem}", file=sys.stderr)
        return 1
    note = " (a new major version)" if comparison.breaking else ""
    print(f"api_compat: compatible with the baseline{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
