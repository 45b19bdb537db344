"""A route's permission (`opt=requires(...)`) is checked by the bearer middleware, so the app
refuses to build where it would not be (entrypoints/http/security/authentication.py)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Router, get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.handlers import HTTPRouteHandler

from domain.identity.roles import Permission
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.http.security.authentication import (
    PUBLIC,
    bearer_authentication,
    check_permissions_enforced,
)
from entrypoints.http.security.permissions import PERMISSION, requires
from entrypoints.settings import Settings


@get("/audit-ish", opt=requires(Permission.AUDIT_READ), sync_to_thread=False)
def needs_audit() -> str:
    return "secret"


@get("/public-but", opt={**PUBLIC, **requires(Permission.AUDIT_READ)}, sync_to_thread=False)
def public_but_needs_audit() -> str:
    return "secret"


@get("/health/audit", opt=requires(Permission.AUDIT_READ), sync_to_thread=False)
def on_a_path_let_through() -> str:
    return "secret"


def _behind_the_middleware(*handlers: HTTPRouteHandler) -> Litestar:
    identity: Any = build_container(Settings(environment="test", persistence="memory")).identity
    middleware = [bearer_authentication(identity.authenticate())]
    return Litestar([Router("/", route_handlers=list(handlers), middleware=middleware)])


def test_a_permission_outside_the_bearer_middleware_stops_the_app() -> None:
    with pytest.raises(ImproperlyConfiguredException, match="audit:read"):
        check_permissions_enforced(Litestar([needs_audit]))


@pytest.mark.parametrize("handler", [public_but_needs_audit, on_a_path_let_through])
def test_a_permission_the_middleware_would_let_through_stops_the_app(
    handler: HTTPRouteHandler,
) -> None:
    with pytest.raises(ImproperlyConfiguredException, match="unchecked"):
        check_permissions_enforced(_behind_the_middleware(handler))


def test_the_apps_permissions_are_all_behind_the_middleware() -> None:
    check_permissions_enforced(_behind_the_middleware(needs_audit))
    app = create_app(build_container(Settings(environment="test", persistence="memory")))
    declared = {
        handler.opt[PERMISSION]
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if PERMISSION in handler.opt
    }
    # operations:read at least; a project keeps some of catalog, orders, users, audit
    assert Permission.OPERATIONS_READ in declared
