"""BearerAuthentication: turns `Authorization: Bearer <access token>` into `request.user`.

Routes marked `opt={"exclude_from_auth": True}` (public reads, health, sign-in routes) and the
OpenAPI pages skip it. Reads of a tenant's data marked TENANT_READ are public only with tenancy
off: with it on, a tenant's data is for its members, who send a token as on any other route.
Everything else answers 401 problem+json with WWW-Authenticate when the token is missing or bad,
then 403 if the route's `opt` names a permission the caller lacks (security/permissions.py).
For local tokens the check is CPU only: a signature and a dict lookup."""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import ImproperlyConfiguredException
from litestar.middleware.base import DefineMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from application.identity.authenticate import AuthenticateHandler
from application.messaging.context import bind_actor
from domain.identity.errors import InvalidToken
from domain.identity.principal import Principal
from entrypoints.http.errors import problem
from entrypoints.http.security.permissions import PERMISSION, authorize

EXCLUDE_FROM_AUTH = "exclude_from_auth"
# Paths no route there needs a token for: the OpenAPI pages, health, the published keys.
UNAUTHENTICATED_PATHS = re.compile(r"^/schema|^/health/|^/\.well-known/")
PUBLIC: dict[str, Any] = {EXCLUDE_FROM_AUTH: True}
TENANT_SCOPED = "tenant_scoped"
TENANT_READ: dict[str, Any] = {**PUBLIC, TENANT_SCOPED: True}
REALM = 'Bearer realm="portico"'
_AUTHORIZATION = b"authorization"
_SCOPES = frozenset({"http", "websocket"})
_log = structlog.get_logger("portico.auth")


class BearerAuthentication:
    """An ASGI middleware of its own rather than Litestar's AbstractAuthenticationMiddleware: it
    reads the one header it needs from the scope, where Litestar's built a whole Headers
    mapping (and an ASGIConnection) on every request to look it up (bench/README.md)."""

    def __init__(
        self, app: ASGIApp, authenticate: AuthenticateHandler, *, tenancy: bool = False
    ) -> None:
        self.app = app
        self._authenticate = authenticate
        self._tenancy = tenancy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in _SCOPES and scope.get("method") != "OPTIONS":
            handler = scope.get("route_handler")
            opt = handler.opt if handler is not None else {}
            if self._needs_token(scope, opt):
                user, scope["auth"] = await self._authenticated(_authorization(scope))
                scope["user"] = user
                authorize(user, opt)  # the route's permission (security/permissions.py)
        await self.app(scope, receive, send)

    def _needs_token(self, scope: Scope, opt: dict[str, Any]) -> bool:
        if opt.get(EXCLUDE_FROM_AUTH, False):
            # Public, unless it reads a tenant's data with tenancy on (see above).
            return self._tenancy and bool(opt.get(TENANT_SCOPED, False))
        return not _let_through(scope["path"])

    async def _authenticated(self, header: str) -> tuple[Principal, str]:
        """The caller the `Authorization` header's bearer token proves, and that token."""
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise problem(
                401,
                "unauthenticated",
                "this needs an access token: Authorization: Bearer <token>",
                headers={"WWW-Authenticate": REALM},
            )
        try:
            principal = await self._authenticate(token)
        except InvalidToken as error:
            _log.info("auth.token_refused", reason=error.reason)
            raise problem(
                401,
                error.code,
                error.message,
                headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
            ) from None
        # The events this request records name who acted (the audit log shows it).
        bind_actor(principal.subject)
        return principal, token


def _authorization(scope: Scope) -> str:
    """The request's first Authorization header ("" without one); ASGI names are lowercase."""
    for name, value in scope["headers"]:
        if name == _AUTHORIZATION:
            return value.decode("latin-1")
    return ""


def check_permissions_enforced(app: Litestar) -> None:
    """Refuse to build an app where a route declares a permission that nothing would check: one
    outside this middleware, public, or on a path it lets through."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if PERMISSION not in handler.opt:
                continue
            behind = any(
                getattr(m, "middleware", None) is BearerAuthentication
                for m in handler.resolve_middleware()
            )
            if not behind or handler.opt.get(EXCLUDE_FROM_AUTH) or _let_through(route.path):
                raise ImproperlyConfiguredException(
                    f"{route.path} needs {handler.opt[PERMISSION].value} but is not behind "
                    "the bearer middleware, or is public: its permission would go unchecked"
                )


def _let_through(path: str) -> bool:
    return UNAUTHENTICATED_PATHS.match(path) is not None


def bearer_authentication(
    authenticate: AuthenticateHandler, *, tenancy: bool = False
) -> DefineMiddleware:
    return DefineMiddleware(BearerAuthentication, authenticate=authenticate, tenancy=tenancy)


def principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The authenticated caller of a route that is not excluded from authentication."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise problem(
            401,
            "unauthenticated",
            "this needs an access token",
            headers={"WWW-Authenticate": REALM},
        )
    return user
