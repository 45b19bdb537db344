"""LocalTokenIssuer and LocalTokenVerifier: JWT access tokens signed with our own keys (joserfc).

Tokens follow RFC 9068's shape: header `typ: at+jwt`, `alg`, `kid`; claims iss, sub, aud, iat,
nbf, exp, jti, plus `roles`, `av` (the user's access version, see AccessRevocations) and `sid`
(the session; tokens issued before sessions existed have none).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError

from adapters.identity.claims import TOKEN_MAX, claims_registry, principal_of, validate
from adapters.identity.keys import KeyRing
from application.identity.ports import AccessGrant, AccessToken, TokenIssuer, TokenVerifier
from application.shared.ports.clock import Clock
from domain.identity.errors import InvalidToken
from domain.identity.principal import Principal

TOKEN_TYPE = "at+jwt"  # noqa: S105 (a media type, not a secret)


class LocalTokenIssuer(TokenIssuer):
    def __init__(
        self, keys: KeyRing, clock: Clock, *, issuer: str, audience: str, lifetime_seconds: int
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._lifetime = lifetime_seconds

    def issue(self, grant: AccessGrant) -> AccessToken:
        now = self._clock.now().replace(microsecond=0)
        issued = int(now.timestamp())
        key = self._keys.signing
        claims = {
            "iss": self._issuer,
            "sub": grant.subject,
            "aud": self._audience,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self._lifetime,
            "jti": uuid.uuid4().hex,
            "roles": sorted(role.value for role in grant.roles),
            "av": grant.access_version,
        }
        if grant.session_id is not None:
            claims["sid"] = grant.session_id
        header = {"alg": key.algorithm, "kid": key.kid, "typ": TOKEN_TYPE}
        value = jwt.encode(header, claims, key.key, algorithms=[key.algorithm])
        return AccessToken(
            value=value,
            expires_at=now + timedelta(seconds=self._lifetime),
            lifetime_seconds=self._lifetime,
        )


class LocalTokenVerifier(TokenVerifier):
    def __init__(
        self, keys: KeyRing, clock: Clock, *, issuer: str, audience: str, leeway: int = 30
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._registry = claims_registry(
            issuer=issuer,
            audience=audience,
            now=lambda: int(clock.now().timestamp()),
            leeway=leeway,
            also_required=("iat", "nbf", "jti", "av"),
        )

    async def verify(self, token: str) -> Principal:
        return self.verify_now(token)

    def verify_now(self, token: str) -> Principal:
        """The synchronous check (no I/O): signature by kid, then the claims."""
        if len(token) > TOKEN_MAX:
            raise InvalidToken("too long")
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError) as error:
            raise InvalidToken(f"malformed: {error}") from None
        key = self._keys.by_kid.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("unknown kid")
        if header.get("alg") != key.algorithm:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not the key's")
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("not an access token")
        try:
            claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=[key.algorithm]).claims
        except (JoseError, ValueError) as error:
            raise InvalidToken(f"signature: {error}") from None
        validate(self._registry, claims)
        return principal_of(
            claims,
            claims.get("roles"),
            access_version=claims.get("av"),
            session_id=claims.get("sid"),
        )
