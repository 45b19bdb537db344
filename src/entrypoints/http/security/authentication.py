"""BearerAuthentication: turns `Authorization: Bearer <access token>` into `request.user`.

Routes marked `opt={"exclude_from_auth": True}` (public reads, health, sign-in routes) and the
OpenAPI pages skip it. Reads of a tenant's data marked TENANT_READ are public only with tenancy
off: with it on, a tenant's data is for its members, who send a token as on any other route.
Everything else answers 401 problem+json with WWW-Authenticate when the token is missing or bad.
For local tokens the check is CPU only: a signature and a dict lookup."""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from application.identity.authenticate import AuthenticateHandler
from application.messaging.context import bind_actor
from domain.identity.errors import InvalidToken
from domain.identity.principal import Principal
from entrypoints.http.errors import problem

EXCLUDE_FROM_AUTH = "exclude_from_auth"
# Paths no route there needs a token for: the OpenAPI pages, health, the published keys.
UNAUTHENTICATED_PATHS = re.compile(r"^/schema|^/health/|^/\.well-known/")
PUBLIC: dict[str, Any] = {EXCLUDE_FROM_AUTH: True}
TENANT_SCOPED = "tenant_scoped"
TENANT_READ: dict[str, Any] = {**PUBLIC, TENANT_SCOPED: True}
REALM = 'Bearer realm="portico"'
_log = structlog.get_logger("portico.auth")


class BearerAuthentication(AbstractAuthenticationMiddleware):
    def __init__(
        self, app: ASGIApp, authenticate: AuthenticateHandler, *, tenancy: bool = False
    ) -> None:
        super().__init__(
            app,
            exclude=UNAUTHENTICATED_PATHS.pattern,
            exclude_from_auth_key=EXCLUDE_FROM_AUTH,
            exclude_http_methods=["OPTIONS"],
        )
        self._authenticate = authenticate
        self._tenancy = tenancy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        tenant_read = handler is not None and handler.opt.get(TENANT_SCOPED, False)
        if self._tenancy and tenant_read and scope.get("method") != "OPTIONS":
            result = await self.authenticate_request(ASGIConnection(scope))
            scope["user"], scope["auth"] = result.user, result.auth
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise problem(
                401,
                "unauthenticated",
                "this needs an access token: Authorization: Bearer <token>",
                headers={"WWW-Authenticate": REALM},
            )
        try:
            principal = await self._authenticate(token.strip())
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
        return AuthenticationResult(user=principal, auth=token)


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
