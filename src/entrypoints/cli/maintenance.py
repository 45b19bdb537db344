"""`portico maintenance run`: housekeeping once, for deployments that schedule it with cron."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entrypoints.settings import Settings


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "maintenance", help="housekeeping: forget rows past their retention, free stuck keys"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("run", help="run every chore once (no lease: safe beside the workers)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(settings))


async def _run(settings: Settings) -> int:
    from entrypoints.container import build_container, close_container
    from entrypoints.worker.maintenance import log_done

    container = build_container(settings)
    try:
        failed, results = 0, await container.maintenance().run()
        log_done(results)  # the structured line a scheduled run writes, for log readers
        for done in results:
            if done.error is None:
                print(f"{done.name}: {done.rows} rows", file=sys.stderr)
            else:
                failed += 1
                print(f"{done.name}: failed: {done.error}", file=sys.stderr)
    finally:
        await close_container(container)
    return 1 if failed else 0
