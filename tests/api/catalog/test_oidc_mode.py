"""PORTICO_AUTH=oidc: tokens of an external provider (served on loopback) are the ones we trust."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import OidcSettings, Settings
from tests.support.oidc_provider import OidcProvider

Client = AsyncTestClient[Litestar]
PRODUCT = {"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.50", "currency": "EUR"}}


@pytest.fixture
async def provider() -> AsyncIterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


@pytest.fixture
async def oidc_client(settings: Settings, provider: OidcProvider) -> AsyncIterator[Client]:
    configured = msgspec.structs.replace(
        settings,
        auth=msgspec.structs.replace(settings.auth, mode="oidc"),
        oidc=OidcSettings(
            issuer=provider.issuer, audience="portico-api", roles_claim="realm_access.roles"
        ),
    )
    async with AsyncTestClient(create_app(build_container(configured))) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_provider_roles_map_to_our_permissions(
    oidc_client: Client, provider: OidcProvider
) -> None:
    staff = provider.token("portico-api", roles=["staff", "offline_access"])
    customer = provider.token("portico-api", roles=["customer"])

    created = await oidc_client.post("/api/v1/products", json=PRODUCT, headers=bearer(staff))
    assert created.status_code == 201
    refused = await oidc_client.post("/api/v1/products", json=PRODUCT, headers=bearer(customer))
    assert refused.status_code == 403


async def test_tokens_for_another_audience_or_from_us_are_refused(
    oidc_client: Client, provider: OidcProvider
) -> None:
    other = provider.token("another-api", roles=["admin"])
    response = await oidc_client.post("/api/v1/products", json=PRODUCT, headers=bearer(other))
    assert response.status_code == 401


async def test_our_sign_in_routes_are_off_and_provider_users_have_no_local_account(
    oidc_client: Client, provider: OidcProvider
) -> None:
    credentials = {"email": "ada@example.com", "password": "a long enough secret"}
    assert (await oidc_client.post("/api/v1/auth/login", json=credentials)).status_code == 404
    assert (await oidc_client.get("/.well-known/jwks.json")).status_code == 404
    token = provider.token("portico-api", subject="kc|42", roles=["customer"])
    me = await oidc_client.get("/api/v1/users/me", headers=bearer(token))
    assert me.status_code == 404
