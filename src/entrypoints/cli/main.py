"""`portico`: one entry for serving and administration. Errors are one line and exit code 2."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from entrypoints.logs import configure_logging
from entrypoints.settings import SettingsError, load_settings

# The commands and the module (under entrypoints.cli) that adds each. Only the one that runs is
# imported, unless the whole help is asked for: `portico serve` then supervises granian's
# workers with none of the others loaded (nor the contexts' commands), about 10 MB less.
COMMANDS = {
    "serve": "serve",
    "worker": "worker",
    "db": "db",
    "projections": "projections",
    "maintenance": "maintenance",
    "seed": "seed",
    "scaffold": "scaffold.command",
}


class _Version(argparse.Action):
    """argparse's "version" action, reading the version only when asked for (its metadata is
    read lazily: entrypoints/__init__.py)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> NoReturn:
        from entrypoints import __version__

        print(f"portico {__version__}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of `command` alone when it is one of COMMANDS, else of every command."""
    parser = _Parser(prog="portico", description="Portico: a hexagonal backend template.")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for name in [command] if command in COMMANDS else COMMANDS:
        importlib.import_module(f"entrypoints.cli.{COMMANDS[name]}").add_parser(commands)
    if command in COMMANDS:
        return parser
    from entrypoints.modules import load_modules

    for module in load_modules():
        if module.cli is not None:
            module.cli(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
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
