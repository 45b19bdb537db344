"""Checking a verified JWT's claims, shared by the local and the OIDC verifiers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from domain.identity.errors import InvalidToken
from domain.identity.principal import Principal
from domain.identity.roles import known_roles

# Past this a "token" is junk, refused before any parsing.
TOKEN_MAX = 8192


def claims_registry(
    *,
    issuer: str,
    audience: str,
    now: Callable[[], int],
    leeway: int,
    also_required: tuple[str, ...] = (),
) -> JWTClaimsRegistry:
    """iss and aud must match; sub and exp must be there; exp, nbf and iat are checked."""
    required: dict[str, Any] = {name: {"essential": True} for name in also_required}
    return JWTClaimsRegistry(
        now=now,
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        sub={"essential": True},
        exp={"essential": True},
        **required,
    )


def validate(registry: JWTClaimsRegistry, claims: dict[str, Any]) -> None:
    try:
        registry.validate(claims)
    except JoseError as error:
        raise InvalidToken(f"claims: {error}") from None


def timestamp(value: Any) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """A claim by dotted path (`realm_access.roles`), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def principal_of(
    claims: dict[str, Any], roles: Any, *, access_version: Any = None, session_id: Any = None
) -> Principal:
    """The principal of claims that passed validation; `roles` is the list of role names."""
    if access_version is not None and (
        not isinstance(access_version, int) or isinstance(access_version, bool)
    ):
        raise InvalidToken("av must be an integer")
    if session_id is not None and not isinstance(session_id, str):
        raise InvalidToken("sid must be a string")
    names = [name for name in roles if isinstance(name, str)] if isinstance(roles, list) else []
    return Principal(
        subject=str(claims["sub"]),
        roles=known_roles(names),
        token_id=str(claims.get("jti", "")),
        expires_at=timestamp(claims["exp"]),
        access_version=access_version,
        session_id=session_id,
    )
