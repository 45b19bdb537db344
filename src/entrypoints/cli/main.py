"""`portico`: one entry for serving and administration. Errors are one line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from entrypoints import __version__
from entrypoints.cli import db, maintenance, projections, seed, serve, worker
from entrypoints.cli.scaffold import command as scaffold
from entrypoints.logs import configure_logging
from entrypoints.modules import load_modules
from entrypoints.settings import SettingsError, load_settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="portico", description="Portico: a hexagonal backend template.")
    parser.add_argument("--version", action="version", version=f"portico {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    serve.add_parser(commands)
    worker.add_parser(commands)
    db.add_parser(commands)
    projections.add_parser(commands)
    maintenance.add_parser(commands)
    seed.add_parser(commands)
    scaffold.add_parser(commands)
    for module in load_modules():
        if module.cli is not None:
            module.cli(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        return int(args.run(args, settings))
    except (SettingsError, ValueError) as error:
        print(f"portico: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
