"""Permissions: a route declares the one it needs in its `opt`; the role -> permission map is the
domain's.

    @post(..., opt=requires(Permission.CATALOG_WRITE))   # or `opt = requires(...)` on a controller

The bearer middleware (security/authentication.py) checks it right after the token: 401 without a
valid token, then 403 without the permission. Not a Litestar guard: Litestar calls each guard with
`copy(route_handler)`, a shallow copy of some forty attributes per guard and request (bench/
README.md). The app refuses to start if a route with a permission is not behind that middleware
(`authentication.check_permissions_enforced`), so a permission never goes unchecked.
"""

from __future__ import annotations

from typing import Any

from domain.identity.principal import Principal
from domain.identity.roles import Permission
from entrypoints.http.errors import problem

PERMISSION = "permission"


def requires(permission: Permission) -> dict[str, Any]:
    """The `opt` of a route (or a controller's routes) that needs `permission`."""
    return {PERMISSION: permission}


def authorize(principal: Principal, opt: dict[str, Any]) -> None:
    """403 problem+json unless the caller has the route's permission."""
    permission = opt.get(PERMISSION)
    if permission is not None and not principal.can(permission):
        raise problem(403, "forbidden", f"this needs the {permission.value} permission")
