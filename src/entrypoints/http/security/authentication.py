"""BearerAuthentication: turns `Authorization: Bearer <access token>` into `request.user`.

Routes marked `opt={"exclude_from_auth": True}` (public reads, health, sign-in routes) and the
OpenAPI pages skip it. Everything else answers 401 problem+json with WWW-Authenticate when the
token is missing or bad. For local tokens the check is CPU only: a signature and a dict lookup.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.types import ASGIApp

from application.identity.authenticate import AuthenticateHandler
from application.messaging.context import bind_actor
from domain.identity.errors import InvalidToken
from domain.identity.principal import Principal
from entrypoints.http.errors import problem

EXCLUDE_FROM_AUTH = "exclude_from_auth"
# Paths no route there needs a token for: the OpenAPI pages, health, the published keys.
UNAUTHENTICATED_PATHS = re.compile(r"^/schema|^/health/|^/\.well-known/")
PUBLIC: dict[str, Any] = {EXCLUDE_FROM_AUTH: True}
REALM = 'Bearer realm="portico"'
_log = structlog.get_logger("portico.auth")


class BearerAuthentication(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, authenticate: AuthenticateHandler) -> None:
        super().__init__(
            app,
            exclude=UNAUTHENTICATED_PATHS.pattern,
            exclude_from_auth_key=EXCLUDE_FROM_AUTH,
            exclude_http_methods=["OPTIONS"],
        )
        self._authenticate = authenticate

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


def bearer_authentication(authenticate: AuthenticateHandler) -> DefineMiddleware:
    return DefineMiddleware(BearerAuthentication, authenticate=authenticate)


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
