"""ONE contract for TokenVerifier, run on every verifier PORTICO_AUTH offers (the `source`
fixture's params). Every forgery here must be refused by all."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

from adapters.identity.keys import development_key_ring
from adapters.identity.local_tokens import LocalTokenIssuer, LocalTokenVerifier
from adapters.identity.oidc import OidcTokenVerifier  # [adapter:oidc]
from adapters.identity.provider_tokens import ProviderTokens  # [adapter:oidc]
from application.identity.ports import AccessGrant, TokenVerifier
from domain.identity.errors import InvalidToken
from domain.identity.roles import Role
from tests.support.clock import FixedClock
from tests.support.jwt_craft import hs256, parts, unsigned, with_claims
from tests.support.oidc_provider import (
    OidcProvider,  # [adapter:oidc]
    rsa_key,
)

AUDIENCE = "portico-api"
LEEWAY = 30
AnyKey = OKPKey | ECKey | RSAKey


@dataclass
class Source:
    """A verifier, and how its trusted issuer makes tokens (with any claims we like)."""

    verifier: TokenVerifier
    issuer: str
    key: AnyKey
    algorithm: str
    extra_header: dict[str, Any]
    base_claims: Callable[[], dict[str, Any]]
    now: int

    def mint(self, header: dict[str, Any] | None = None, **claims: Any) -> str:
        payload = {**self.base_claims(), **claims}
        payload = {name: value for name, value in payload.items() if value is not None}
        full_header = {"alg": self.algorithm, "kid": self.key.kid, **self.extra_header}
        full_header.update(header or {})
        return jwt.encode(full_header, payload, self.key, algorithms=[full_header["alg"]])


def _local(tmp_path: Path) -> Source:
    now = int(time.time())
    clock = FixedClock(datetime.fromtimestamp(now, UTC))
    ring = development_key_ring(tmp_path / "key.json")
    verifier = LocalTokenVerifier(ring, clock, issuer="portico", audience=AUDIENCE, leeway=LEEWAY)
    issuer = LocalTokenIssuer(
        ring, clock, issuer="portico", audience=AUDIENCE, lifetime_seconds=900
    )

    def base() -> dict[str, Any]:
        token = issuer.issue(
            AccessGrant(subject="user-1", roles=frozenset({Role.STAFF}), access_version=1)
        )
        return parts(token.value)[1]

    signing = ring.signing
    return Source(verifier, "portico", signing.key, signing.algorithm, {"typ": "at+jwt"}, base, now)


@pytest.fixture(
    params=[
        "local",
        "oidc",  # [adapter:oidc]
    ]
)
async def source(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Source]:
    if request.param == "local":
        yield _local(tmp_path)
        return
    # [adapter:oidc begin]
    # oidc: a provider's tokens, its JWKS served on loopback by the test.
    with OidcProvider() as provider:
        now = int(time.time())
        tokens = ProviderTokens(
            issuer=provider.issuer,
            audience=AUDIENCE,
            clock=FixedClock(datetime.fromtimestamp(now, UTC)),
            leeway=LEEWAY,
        )
        verifier = OidcTokenVerifier(tokens, roles_claim="realm_access.roles")

        def base() -> dict[str, Any]:
            return parts(provider.token(AUDIENCE, subject="user-1", roles=["staff"], now=now))[1]

        yield Source(verifier, provider.issuer, provider.keys[-1], "RS256", {}, base, now)
        await verifier.close()
    # [adapter:oidc end]


async def refused(source: Source, token: str) -> InvalidToken:
    with pytest.raises(InvalidToken) as caught:
        await source.verifier.verify(token)
    return caught.value


async def test_a_valid_token_proves_its_subject_and_roles(source: Source) -> None:
    principal = await source.verifier.verify(source.mint())

    assert principal.subject == "user-1"
    assert principal.roles == {Role.STAFF}
    assert principal.token_id
    assert principal.expires_at > datetime.fromtimestamp(source.now, UTC)


async def test_role_names_we_do_not_know_are_ignored(source: Source) -> None:
    token = source.mint(roles=["staff", "superuser"], realm_access={"roles": ["staff", "root"]})
    assert (await source.verifier.verify(token)).roles == {Role.STAFF}


async def test_an_expired_token_is_refused(source: Source) -> None:
    await refused(source, source.mint(exp=source.now - LEEWAY - 1, iat=source.now - 1000))


async def test_a_token_within_the_clock_leeway_is_accepted(source: Source) -> None:
    assert await source.verifier.verify(source.mint(exp=source.now - LEEWAY + 5))


async def test_a_token_not_yet_valid_is_refused(source: Source) -> None:
    await refused(source, source.mint(nbf=source.now + LEEWAY + 60))


async def test_a_token_issued_in_the_future_is_refused(source: Source) -> None:
    await refused(source, source.mint(iat=source.now + LEEWAY + 60))


async def test_another_issuer_is_refused(source: Source) -> None:
    await refused(source, source.mint(iss="https://evil.example.com"))


async def test_another_audience_is_refused(source: Source) -> None:
    await refused(source, source.mint(aud="another-api"))
    await refused(source, source.mint(aud=["another-api", "a-third-api"]))


async def test_a_token_without_expiry_or_subject_is_refused(source: Source) -> None:
    await refused(source, source.mint(exp=None))
    await refused(source, source.mint(sub=None))


async def test_a_tampered_payload_is_refused(source: Source) -> None:
    token = source.mint()
    await refused(source, with_claims(token, roles=["admin"], realm_access={"roles": ["admin"]}))
    await refused(source, with_claims(token, sub="someone-else"))


async def test_an_unknown_kid_is_refused(source: Source) -> None:
    await refused(source, source.mint(header={"kid": "no-such-key"}))


async def test_a_token_signed_by_a_stranger_with_our_kid_is_refused(source: Source) -> None:
    stranger = rsa_key(str(source.key.kid), purpose="stranger")
    header, claims, _ = parts(source.mint())
    forged = jwt.encode({**header, "alg": "RS256"}, claims, stranger, algorithms=["RS256"])
    await refused(source, forged)


async def test_alg_none_is_refused(source: Source) -> None:
    header, claims, _ = parts(source.mint())
    await refused(source, unsigned(header, claims))


async def test_hs256_signed_with_our_public_key_is_refused(source: Source) -> None:
    header, claims, _ = parts(source.mint())
    public = source.key.as_dict(private=False)
    for secret in (
        source.key.as_pem(private=False),
        str(public).encode(),
        str(public.get("x") or public.get("n")).encode(),
    ):
        await refused(source, hs256(header, claims, secret))


@pytest.mark.parametrize(
    "junk",
    ["", "abc", "a.b.c", "a.b", "....", "eyJ.eyJ.sig", "Bearer x", "\x00\x01", "x" * 10_000],
)
async def test_junk_is_refused(source: Source, junk: str) -> None:
    await refused(source, junk)
