"""`portico projections`: see how far behind the read models are, rebuild them from the events."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entrypoints.settings import Settings


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("projections", help="read models (CQRS projections)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    rebuild = actions.add_parser(
        "rebuild", help="replay every event into fresh rows and swap them in (default: all)"
    )
    rebuild.add_argument("names", nargs="*", metavar="NAME")
    actions.add_parser("status", help="how many events each projection is behind")
    actions.add_parser("catch-up", help="apply the events not yet projected, then exit")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.cli.progress import ProgressBar
    from entrypoints.container import build_container, close_container

    container = build_container(settings)
    if container.platform.database() is None:
        raise ValueError("PORTICO_PERSISTENCE=memory keeps projections in the serving process")
    projectors = container.projectors()
    bar = ProgressBar(log_event="projections.rebuild_progress")
    try:
        if args.action == "rebuild":
            owners = {name: projector for projector in projectors for name in projector.names}
            for name in args.names or list(owners):
                if name not in owners:
                    raise ValueError(f"no projection named {name}; there are: {', '.join(owners)}")
                bar.start(name, 0)
                done = await owners[name].rebuild(name, bar.show)
                bar.finish()
                print(
                    f"{done.name}: {done.events} events replayed into generation "
                    f"{done.generation}, live at position {done.position}",
                    file=sys.stderr,
                )
        elif args.action == "catch-up":
            applied = sum([await projector.catch_up() for projector in projectors])
            print(f"{applied} events applied", file=sys.stderr)
        else:
            for projector in projectors:
                for name, lag in (await projector.lag()).items():
                    print(f"{name}: {lag} events behind")
    finally:
        await close_container(container)
    return 0
