"""Security headers, CORS from settings, the OpenAPI security scheme, and settings errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import HttpSettings, Settings, SettingsError, load_settings

Client = AsyncTestClient[Litestar]


async def test_api_answers_carry_the_security_headers(client: Client) -> None:
    for path in ("/api/v1/products", "/api/v1/users/me", "/no-such-route"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )
        assert "strict-transport-security" not in response.headers


async def test_the_health_probes_carry_their_request_id_and_no_browser_headers(
    client: Client,
) -> None:
    api = await client.get("https://testserver.local/api/v1/products")
    assert "strict-transport-security" in api.headers  # over TLS, as below
    for path in ("/health/live", "/health/ready"):
        response = await client.get(f"https://testserver.local{path}")
        assert response.status_code == 200
        assert len(response.headers["x-request-id"]) == 32
        assert not {
            "x-content-type-options",
            "x-frame-options",
            "content-security-policy",
            "strict-transport-security",
        } & set(response.headers)


async def test_the_docs_pages_get_no_api_csp(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


async def test_openapi_declares_bearer_tokens_on_protected_operations(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/products"]["post"]["security"] == [{"BearerToken": []}]
    assert "security" not in schema["paths"]["/api/v1/products"]["get"]
    assert "/api/v1/auth/login" in schema["paths"]


async def test_no_cross_origin_calls_by_default(client: Client) -> None:
    response = await client.get("/api/v1/products", headers={"Origin": "https://shop.example.com"})
    assert "access-control-allow-origin" not in response.headers


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[Client]:
    configured = msgspec.structs.replace(
        settings, http=HttpSettings(cors_origins="https://shop.example.com", hsts=True)
    )
    async with AsyncTestClient(create_app(build_container(configured))) as test_client:
        yield test_client


async def test_configured_origins_are_allowed_and_others_are_not(cors_client: Client) -> None:
    preflight = await cors_client.options(
        "/api/v1/products",
        headers={
            "Origin": "https://shop.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example.com"
    allowed = await cors_client.get(
        "/api/v1/products", headers={"Origin": "https://shop.example.com"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example.com"
    other = await cors_client.get(
        "/api/v1/products", headers={"Origin": "https://evil.example.com"}
    )
    assert "access-control-allow-origin" not in other.headers
    assert other.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        # [adapter:oidc begin]
        ({"PORTICO_AUTH": "oidc"}, "PORTICO_AUTH_OIDC_ISSUER is required"),
        (
            {
                "PORTICO_AUTH": "oidc",
                "PORTICO_AUTH_OIDC_ISSUER": "http://idp.example.com",
                "PORTICO_AUTH_OIDC_AUDIENCE": "api",
            },
            "expected an https:// URL",
        ),
        # [adapter:oidc end]
        ({"PORTICO_ENVIRONMENT": "production"}, "PORTICO_AUTH_SIGNING_KEYS is required"),
        ({"PORTICO_CORS_ORIGINS": "shop.example.com"}, "PORTICO_CORS_ORIGINS has"),
        ({"PORTICO_AUTH_ACCESS_TOKEN_TTL": "5"}, "PORTICO_AUTH_ACCESS_TOKEN_TTL='5' is invalid"),
        ({"PORTICO_AUTH": "saml"}, "expected one of: local"),
    ],
)
def test_bad_auth_settings_stop_with_a_message_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ, env_file=None)


def test_a_bad_key_file_stops_the_app_with_the_variable_named(settings: Settings) -> None:
    broken = msgspec.structs.replace(
        settings, auth=msgspec.structs.replace(settings.auth, signing_keys="/nonexistent/key.pem")
    )
    with pytest.raises(SettingsError, match="PORTICO_AUTH_SIGNING_KEYS: cannot read"):
        create_app(build_container(broken))
