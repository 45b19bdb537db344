"""`portico seed`: fill an empty database with demo data, through each context's use cases.

Every context that declares a seed (Module.seed) adds its size flags (--users N, ...) and
writes in CONTEXTS order, after all of them have agreed the database can be seeded: a database
already holding what a context would seed is refused, never seeded twice. The same --seed on an
empty database gives the same data (ids and timestamps aside).
"""

from __future__ import annotations

import argparse
import asyncio
import random
from typing import TYPE_CHECKING, Any

from application.shared.seeding import SeedPlan, SeedRun
from entrypoints.modules import load_modules
from entrypoints.settings import env_name

if TYPE_CHECKING:
    from entrypoints.module import Seed
    from entrypoints.settings import Settings


def _seeds() -> list[Seed]:
    return [module.seed for module in load_modules() if module.seed is not None]


def _count(raw: str) -> int:
    if not raw.isdigit():
        raise argparse.ArgumentTypeError(f"{raw!r} is not a count (0 or more)")
    return int(raw)


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("seed", help="fill an empty database with demo data")
    for seed in _seeds():
        for size in seed.sizes:
            parser.add_argument(
                f"--{size.name}",
                type=_count,
                default=size.default,
                metavar="N",
                help=f"{size.help} (default {size.default})",
            )
    parser.add_argument(
        "--seed", type=int, help="the same number gives the same data (default: a random one)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.keeps_state:
        raise ValueError(
            f"{env_name('persistence')}={settings.persistence} keeps no data between processes "
            "to seed"
        )
    from entrypoints.cli.startup import check_database

    check_database(settings)
    seeds = _seeds()
    sizes = {size.name: getattr(args, size.name) for seed in seeds for size in seed.sizes}
    plan = SeedPlan(sizes, args.seed if args.seed is not None else random.randrange(10**6))  # noqa: S311
    for line in asyncio.run(_fill(settings, seeds, plan)):
        print(line)
    print(f"seed {plan.seed}: portico seed --seed {plan.seed} repeats this data")
    return 0


async def _fill(settings: Settings, seeds: list[Seed], plan: SeedPlan) -> list[str]:
    from sqlalchemy.exc import DBAPIError

    from entrypoints.cli.progress import ProgressBar
    from entrypoints.container import build_container, close_container

    container = build_container(settings)
    bar = ProgressBar()
    try:
        for seed in seeds:
            try:
                reason = await seed.refusal(container, plan)
            except DBAPIError as error:
                first = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
                raise ValueError(
                    f"cannot read the database ({first}): run portico db upgrade"
                ) from None
            if reason is not None:
                raise ValueError(reason)
        seeded = SeedRun(plan, bar)
        lines: list[str] = []
        for seed in seeds:
            lines += await seed.fill(container, seeded)
        return lines
    finally:
        bar.finish()
        await close_container(container)
