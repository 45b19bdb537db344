"""`portico db`: Alembic migrations against PORTICO_DATABASE_URL."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # alembic loads when a db command runs, not with the parser
    from alembic.config import Config

    from entrypoints.settings import Settings


def migrations_dir() -> Path:
    """The Alembic scripts: the repository's migrations/, which a wheel ships as
    entrypoints/migrations (pyproject.toml, tool.hatch.build.targets.wheel.sources). A checkout
    (editable install: src/ on the path) has no such folder, so its root's migrations/ is used,
    and `portico db revision` writes there."""
    packaged = resources.files("entrypoints") / "migrations"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "migrations"  # src/entrypoints/cli/db.py
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"no migrations in {packaged} nor in {checkout}")


def alembic_config(database_url: str) -> Config:
    """Built here, without alembic.ini (which a wheel does not have); alembic.ini at the root says
    the same for plain `alembic` in a checkout."""
    from alembic.config import Config

    config = Config()
    # set_main_option interpolates: a literal % is written %%.
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply migrations (default: to head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = actions.add_parser("downgrade", help="revert migrations (default: one step)")
    downgrade.add_argument("revision", nargs="?", default="-1")
    actions.add_parser("current", help="show the revision the database is at")
    revision = actions.add_parser("revision", help="create a new migration")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument(
        "--autogenerate", action="store_true", help="diff the models against the database"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.has_database:
        raise ValueError(f"PORTICO_PERSISTENCE={settings.persistence} has no database to migrate")
    from alembic import command

    config = alembic_config(settings.database.url)
    if args.action == "upgrade":
        command.upgrade(config, args.revision)
    elif args.action == "downgrade":
        command.downgrade(config, args.revision)
    elif args.action == "current":
        command.current(config, verbose=False)
    else:
        command.revision(config, message=args.message, autogenerate=args.autogenerate)
    return 0
