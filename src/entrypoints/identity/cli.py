"""`portico users create-admin --email ...`: the first administrator (and any later one).

For an email that already has an account, the account is restored as an administrator
(reactivated, given the admin role and the password): the API never removes the last
administrator, and this is the way back in when nobody can sign in as one (ProvideAdmin).

The password is read from a prompt (typed twice) or, when stdin is not a terminal, from its first
line, so that it never appears in the shell history or the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import TYPE_CHECKING, Any

from application.identity.provide_admin import ProvideAdmin, ProvidedAdmin
from domain.shared.errors import DomainError

if TYPE_CHECKING:
    from entrypoints.settings import Settings


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("users", help="user administration")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create-admin",
        help="create an administrator, or restore an existing account as one "
        "(password from a prompt or stdin)",
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

    async def provide() -> ProvidedAdmin:
        from entrypoints.container import build_container, close_container  # when it runs

        container = build_container(settings)
        identity: Any = container.identity
        try:
            provided: ProvidedAdmin = await identity.provide_admin()(
                ProvideAdmin(email=args.email, password=password)
            )
        finally:
            await close_container(container)
        return provided

    try:
        print(report(asyncio.run(provide())))
    except DomainError as error:
        field = getattr(error, "field", None)
        raise ValueError(f"{field} {error.message}" if field else error.message) from None
    return 0


def report(provided: ProvidedAdmin) -> str:
    user = f"{provided.user.email} ({provided.user.id})"
    if provided.created:
        return f"created administrator {user}"
    changed = [*provided.restored, "password replaced", "sessions ended"]
    return f"restored administrator {user}: {', '.join(changed)}"
