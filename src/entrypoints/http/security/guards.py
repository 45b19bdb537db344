"""Guards: a route declares the permission it needs; the role -> permission map is the domain's.

A guard is a coroutine function although it waits for nothing: Litestar runs a synchronous
guard in a worker thread (anyio's `to_thread`) on every request, a thread hand-off that cost
an authenticated read more CPU than its query (bench/README.md)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from domain.identity.roles import Permission
from entrypoints.http.errors import problem
from entrypoints.http.security.authentication import principal


def requires(permission: Permission) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not principal(connection).can(permission):
            raise problem(403, "forbidden", f"this needs the {permission.value} permission")

    guard.__name__ = f"requires_{permission.name.lower()}"
    return guard
