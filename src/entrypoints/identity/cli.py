"""`portico users create-admin --email ...`: the first administrator (and any later one).

The password is read from a prompt (typed twice) or, when stdin is not a terminal, from its first
line, so that it never appears in the shell history or the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from application.identity.register_user import RegisterUser
from domain.identity.roles import Role
from domain.shared.errors import DomainError
from entrypoints.container import build_container, close_container
from entrypoints.settings import Settings


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("users", help="user administration")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create-admin", help="create an administrator (password from a prompt or stdin)"
    )
    create.add_argument("--email", required=True)
    parser.set_defaults(run=run)


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def run(args: argparse.Namespace, settings: Settings) -> int:
    password = read_password()
    if not password:
        raise ValueError("no password given (type it at the prompt, or pipe it on stdin)")

    async def create() -> str:
        container = build_container(settings)
        identity: Any = container.identity
        try:
            view = await identity.register_user()(
                RegisterUser(email=args.email, password=password, roles=frozenset({Role.ADMIN}))
            )
        finally:
            await close_container(container)
        return f"created administrator {view.email} ({view.id})"

    try:
        print(asyncio.run(create()))
    except DomainError as error:
        field = getattr(error, "field", None)
        raise ValueError(f"{field} {error.message}" if field else error.message) from None
    return 0
