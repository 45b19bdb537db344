"""ProviderTokens' promises (the checks of an OpenID Connect provider's tokens, social sign-in's ID
tokens among them), against a provider served on loopback: discovery and keys are cached,
refetched on an unknown kid (rate limited), and an unreachable provider fails closed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from adapters.identity.provider_tokens import ProviderTokens
from domain.identity.errors import InvalidToken
from tests.support.clock import FixedClock
from tests.support.oidc_provider import OidcProvider

AUDIENCE = "portico-api"
DISCOVERY = "/.well-known/openid-configuration"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


def make_verifier(provider: OidcProvider, **options: float) -> ProviderTokens:
    return ProviderTokens(
        issuer=provider.issuer,
        audience=AUDIENCE,
        clock=FixedClock(datetime.now(UTC)),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def verifier(provider: OidcProvider) -> AsyncIterator[ProviderTokens]:
    made = make_verifier(provider)
    yield made
    await made.close()


async def test_discovery_and_keys_are_fetched_once_for_many_tokens(
    provider: OidcProvider, verifier: ProviderTokens
) -> None:
    for n in range(5):
        claims = await verifier.verified_claims(
            provider.token(AUDIENCE, subject=f"user-{n}", roles=["admin"])
        )
        assert claims["sub"] == f"user-{n}"
        assert claims["realm_access"] == {"roles": ["admin"]}
    assert provider.requests == {DISCOVERY: 1, "/jwks": 1}


async def test_a_rotated_key_is_picked_up_on_its_first_token(
    provider: OidcProvider, verifier: ProviderTokens
) -> None:
    await verifier.verified_claims(provider.token(AUDIENCE))
    verifier._refetch_interval = 0  # the test does not wait out the refetch interval
    provider.rotate(keep_old=False, kind="EC")

    claims = await verifier.verified_claims(provider.token(AUDIENCE, subject="after"))

    assert claims["sub"] == "after"
    assert provider.requests["/jwks"] == 2
    assert provider.requests[DISCOVERY] == 1


async def test_made_up_kids_do_not_make_us_hammer_the_provider(
    provider: OidcProvider, verifier: ProviderTokens
) -> None:
    await verifier.verified_claims(provider.token(AUDIENCE))
    stranger = provider.keys[-1]
    for n in range(5):
        stranger = stranger.__class__.import_key(
            stranger.as_dict(private=True), parameters={"kid": f"made-up-{n}"}
        )
        with pytest.raises(InvalidToken):
            await verifier.verified_claims(provider.token(AUDIENCE, key=stranger))
    assert provider.requests["/jwks"] == 1


async def test_keys_are_refetched_when_older_than_their_ttl(provider: OidcProvider) -> None:
    verifier = make_verifier(provider, jwks_ttl=0)
    try:
        for _ in range(2):
            await verifier.verified_claims(provider.token(AUDIENCE))
    finally:
        await verifier.close()
    assert provider.requests["/jwks"] == 2


async def test_an_unreachable_provider_fails_closed(provider: OidcProvider) -> None:
    provider.fail = True
    verifier = make_verifier(provider)
    try:
        with pytest.raises(InvalidToken):
            await verifier.verified_claims(provider.token(AUDIENCE))
    finally:
        await verifier.close()


async def test_a_discovery_document_naming_another_issuer_is_refused(
    provider: OidcProvider,
) -> None:
    verifier = ProviderTokens(
        issuer=provider.issuer + "/other-realm", audience=AUDIENCE, clock=FixedClock()
    )
    try:
        with pytest.raises(InvalidToken):
            await verifier.verified_claims(
                provider.token(AUDIENCE, iss=provider.issuer + "/other-realm")
            )
    finally:
        await verifier.close()


async def test_an_expired_provider_token_is_refused(
    provider: OidcProvider, verifier: ProviderTokens
) -> None:
    with pytest.raises(InvalidToken):
        await verifier.verified_claims(
            provider.token(AUDIENCE, now=int(time.time()) - 3600, lifetime=60)
        )
