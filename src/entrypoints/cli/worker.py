"""`portico worker`: its flags. The work (entrypoints/worker/process.py) and all it imports load
when the command runs, so the CLI's other commands and its help start without them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entrypoints.settings import Settings


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("worker", help="relay the outbox and run the event consumers")
    parser.add_argument("--no-relay", action="store_true", help="only run the consumers")
    parser.add_argument("--no-consumers", action="store_true", help="only run the relay")
    parser.add_argument(
        "--no-projector",
        action="store_true",
        help="do not run the order projector (it runs here when PORTICO_BACKGROUND says so)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        help="port of this worker's /metrics (default: PORTICO_METRICS_PORT; 0: none)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.worker import process

    return process.run(args, settings)
