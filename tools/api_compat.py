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
from typing import Any

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


def _resolved(node: Any, document: dict[str, Any], inside: frozenset[str] = frozenset()) -> Any:
    """`node` with each local `$ref` followed: what it names in its place (one met again inside
    itself stays as it is: what it names is already expanded above it), for comparing two
    documents. LookupError if one names nothing."""
    if isinstance(node, list):
        return [_resolved(item, document, inside) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref not in inside:
        if not ref.startswith("#/"):
            raise LookupError(ref)  # another file's: not followed, so the path counts as changed
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[int(part) if isinstance(target, list) and part.isdigit() else part]
        # Its siblings kept (OpenAPI 3.1 allows keywords beside a $ref): only compared, not sent.
        siblings = {key: _resolved(value, document, inside) for key, value in node.items()}
        return {**siblings, "$ref": _resolved(target, document, inside | {ref})}
    return {key: _resolved(value, document, inside) for key, value in node.items()}


def _same_path(path: str, baseline: dict[str, Any], current: dict[str, Any]) -> bool:
    try:
        return bool(
            _resolved(baseline["paths"][path], baseline)
            == _resolved(current["paths"][path], current)
        )
    except (LookupError, TypeError):  # a $ref that names nothing here: let Optic judge the path
        return False


def reduced(baseline: dict[str, Any], current: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Both documents with only the paths of the baseline that `current` removes or changes.

    Optic's time grows with the operations it walks, changed or not (~7 s of CPU for the
    baseline against itself), and only these can break a client: every rule of the
    `breaking-changes` ruleset, the one `optic diff --check` applies without an optic.yml,
    looks at what an operation of the baseline lost or changed (new operations are skipped by
    name), and a path whose operations, their `$ref`s followed, are equal in both changed nothing.
    Everything else (info, components) is kept."""
    paths = [document.get("paths", {}) for document in (baseline, current)]  # 3.1: optional
    kept = [path for path in paths[0] if not _same_path(path, baseline, current)]
    return tuple(
        {**document, "paths": {p: found[p] for p in kept if p in found}}
        for document, found in zip((baseline, current), paths, strict=True)
    )


def compare(baseline: Path, current: Path, optic: Path = OPTIC) -> Comparison:
    """Optic's verdict on `current` against `baseline`; RuntimeError if Optic could not judge."""
    env = {**os.environ, "OPTIC_TELEMETRY_LEVEL": "off"}  # no analytics, no error reports
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in (baseline, current)]
    # In a scratch folder: with CI set, Optic leaves a ci-run-details.json where it runs.
    with tempfile.TemporaryDirectory() as scratch:
        files = [Path(scratch) / "baseline.json", Path(scratch) / "current.json"]
        for file, document in zip(files, reduced(*documents), strict=True):
            file.write_text(json.dumps(document), encoding="utf-8")
        result = subprocess.run(  # noqa: S603 (our own tool, our own files)
            [str(optic), "diff", str(files[0]), str(files[1]), "--check"],
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
