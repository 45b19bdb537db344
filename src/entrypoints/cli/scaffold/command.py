"""`portico scaffold context|use-case`: parse, render in memory, check, write."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from entrypoints.cli.scaffold.context import context_files
from entrypoints.cli.scaffold.fields import KINDS, parse_fields
from entrypoints.cli.scaffold.names import context_names
from entrypoints.cli.scaffold.registration import registrations
from entrypoints.cli.scaffold.use_case import use_case_files
from entrypoints.cli.scaffold.writing import write_all
from entrypoints.settings import Settings


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("scaffold", help="write a new context or use case")
    what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    context = what.add_parser("context", help="a bounded context through every layer")
    context.add_argument("name", help="the context, lowercase, singular (e.g. shipment)")
    context.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME:TYPE",
        help=f"repeatable; TYPE is one of {', '.join(KINDS)} (enum(a|b)); a trailing ? makes "
        "it optional",
    )
    context.add_argument("--plural", help="the plural (table, URL); default: NAME + s")
    context.add_argument("--root", type=Path, default=Path.cwd(), help="the project's root")
    context.set_defaults(run=run_context)
    use_case = what.add_parser("use-case", help="one use case, its route and its test")
    use_case.add_argument("context", help="an existing, scaffolded context")
    use_case.add_argument("name", help="the use case, snake_case (e.g. mark_shipped)")
    kind = use_case.add_mutually_exclusive_group(required=True)
    kind.add_argument("--command", dest="kind", action="store_const", const="command")
    kind.add_argument("--query", dest="kind", action="store_const", const="query")
    use_case.add_argument("--root", type=Path, default=Path.cwd(), help="the project's root")
    use_case.set_defaults(run=run_use_case)


def run_context(args: argparse.Namespace, settings: Settings) -> int:
    root: Path = args.root
    names = context_names(args.name, args.plural, root)
    fields = parse_fields(args.field)
    written = write_all(root, context_files(names, fields, root), registrations(root, names))
    _report(written)
    return _refresh_contracts(root)


def run_use_case(args: argparse.Namespace, settings: Settings) -> int:
    new, edited = use_case_files(args.root, args.context, args.name, args.kind)
    _report(write_all(args.root, new, edited))
    return _refresh_contracts(args.root)


def _report(written: list[str]) -> None:
    for path in written:
        print(f"wrote {path}")


# New routes and events change the committed contracts (docs/api/, tests/golden/events/), which
# the project's tests compare with the code: write them now, so the tests pass without an edit.
# `make contracts golden` runs the same modules; a project that deleted them is left alone.
_CONTRACT_STEPS = (
    ("tools.contracts", "tools/contracts.py"),
    ("tests.golden.examples", "tests/golden/examples.py"),
)


def _refresh_contracts(root: Path) -> int:
    for module, path in _CONTRACT_STEPS:
        if not (root / path).is_file():
            continue
        # Our interpreter running the project's own modules: nothing comes from the input.
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", module],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"python -m {module} failed; run `make contracts golden`:\n{done.stderr}")
            return 1
        print(f"refreshed the contracts with python -m {module}")
    return 0
