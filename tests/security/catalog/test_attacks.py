"""The attack suite: each attempt here must be refused. Run over HTTP against the real app."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import OKPKey
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.auth import TEST_PASSWORD, bearer, create_user
from tests.support.jwt_craft import hs256, parts, unsigned, with_claims

Client = AsyncTestClient[Litestar]
PRODUCT = {"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.50", "currency": "EUR"}}


def mint(container: Container, header: dict[str, Any] | None = None, **claims: Any) -> str:
    """A token signed with OUR key: only the claims (or header) under test are wrong."""
    key = container.identity.signing_keys().signing
    now = int(time.time())
    payload = {
        "iss": "portico",
        "aud": "portico-api",
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "roles": ["admin"],
        "av": 1,
        **claims,
    }
    full_header = {"alg": key.algorithm, "kid": key.kid, "typ": "at+jwt", **(header or {})}
    return jwt.encode(full_header, payload, key.key, algorithms=[full_header["alg"]])


async def refused(client: Client, token: str) -> Any:
    """A staff-only write with this token: must be 401 problem+json with WWW-Authenticate."""
    response = await client.post(
        "/api/v1/products", json=PRODUCT, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="portico"')
    assert response.headers["content-type"] == "application/problem+json"
    return response


async def test_control_a_well_formed_admin_token_is_accepted(
    client: Client, container: Container
) -> None:
    # The attacks below differ from this token in one thing only.
    response = await client.post(
        "/api/v1/products", json=PRODUCT, headers={"Authorization": f"Bearer {mint(container)}"}
    )
    assert response.status_code == 201


async def test_alg_none(client: Client, container: Container) -> None:
    header, claims, _ = parts(mint(container))
    await refused(client, unsigned(header, claims))


async def test_hs256_signed_with_our_public_key(client: Client, container: Container) -> None:
    header, claims, _ = parts(mint(container))
    key = container.identity.signing_keys().signing.key
    published = (await client.get("/.well-known/jwks.json")).json()["keys"][0]
    for secret in (
        key.as_pem(private=False),
        msgspec.json.encode(published),
        published["x"].encode(),
    ):
        await refused(client, hs256(header, claims, secret))


async def test_expired(client: Client, container: Container) -> None:
    now = int(time.time())
    await refused(client, mint(container, iat=now - 3600, nbf=now - 3600, exp=now - 600))


async def test_not_yet_valid(client: Client, container: Container) -> None:
    await refused(client, mint(container, nbf=int(time.time()) + 600))


async def test_wrong_issuer(client: Client, container: Container) -> None:
    await refused(client, mint(container, iss="https://evil.example.com"))


async def test_wrong_audience(client: Client, container: Container) -> None:
    await refused(client, mint(container, aud="another-api"))


async def test_unknown_kid(client: Client, container: Container) -> None:
    await refused(client, mint(container, header={"kid": "rotated-away"}))


async def test_signed_by_another_key(client: Client, container: Container) -> None:
    stranger = OKPKey.generate_key("Ed25519")
    header, claims, _ = parts(mint(container))
    await refused(client, jwt.encode(header, claims, stranger, algorithms=[header["alg"]]))


async def test_tampered_payload(client: Client, container: Container) -> None:
    customer = mint(container, roles=["customer"])
    await refused(client, with_claims(customer, roles=["admin"]))


async def test_not_an_access_token_type(client: Client, container: Container) -> None:
    await refused(client, mint(container, header={"typ": "JWT"}))


async def test_a_deactivated_users_token_is_refused_at_once(
    client: Client, container: Container
) -> None:
    victim = await create_user(container, "staff")
    stolen = bearer(container, victim, "staff")
    assert (await client.get("/api/v1/users/me", headers=stolen)).status_code == 200

    admin = bearer(container, await create_user(container, "admin"), "admin")
    deactivated = await client.patch(
        f"/api/v1/users/{victim}", json={"active": False}, headers=admin
    )
    assert deactivated.status_code == 200

    await refused(client, stolen["Authorization"].removeprefix("Bearer "))
    assert (await client.get("/api/v1/users/me", headers=stolen)).status_code == 401


async def test_a_deactivated_user_cannot_log_in_or_refresh(
    client: Client, container: Container
) -> None:
    victim = await create_user(container, "customer", email="eve@example.com")
    credentials = {"email": "eve@example.com", "password": TEST_PASSWORD}
    tokens = (await client.post("/api/v1/auth/login", json=credentials)).json()
    admin = bearer(container, await create_user(container, "admin"), "admin")
    await client.patch(f"/api/v1/users/{victim}", json={"active": False}, headers=admin)

    login = await client.post("/api/v1/auth/login", json=credentials)
    assert login.status_code == 401
    assert login.json()["type"] == "/problems/invalid-credentials"
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_refresh_token_reuse_revokes_the_whole_family(
    client: Client, container: Container
) -> None:
    await create_user(container, "customer", email="ann@example.com")
    first = (
        await client.post(
            "/api/v1/auth/login", json={"email": "ann@example.com", "password": TEST_PASSWORD}
        )
    ).json()
    other_session = (
        await client.post(
            "/api/v1/auth/login", json={"email": "ann@example.com", "password": TEST_PASSWORD}
        )
    ).json()
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()

    # The thief replays the old token: refused, and the legitimate rotated one dies with it.
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert after.status_code == 401
    # Another session (another family) of the same user is not touched.
    other = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
    )
    assert other.status_code == 200


async def test_an_access_token_is_not_a_refresh_token_and_vice_versa(
    client: Client, container: Container
) -> None:
    await create_user(container, "staff", email="sam@example.com")
    tokens = (
        await client.post(
            "/api/v1/auth/login", json={"email": "sam@example.com", "password": TEST_PASSWORD}
        )
    ).json()
    as_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]}
    )
    assert as_refresh.status_code == 401
    await refused(client, tokens["refresh_token"])


async def test_customers_cannot_reach_staff_or_admin_routes(
    client: Client, container: Container
) -> None:
    customer = bearer(container, await create_user(container, "customer"), "customer")
    target = await create_user(container, "customer")
    for response in (
        await client.post("/api/v1/products", json=PRODUCT, headers=customer),
        await client.get("/api/v1/users", headers=customer),
        await client.patch(f"/api/v1/users/{target}", json={"roles": ["admin"]}, headers=customer),
    ):
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_customer_cannot_read_another_customers_account(
    client: Client, container: Container
) -> None:
    mallory = bearer(container, await create_user(container, "customer"), "customer")
    alice = await create_user(container, "customer", email="alice@example.com")
    response = await client.get(f"/api/v1/users/{alice}", headers=mallory)
    assert response.status_code == 404
    assert "alice" not in response.text


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Token abc", "Bearer a.b.c", "bearer \x7f"],
)
async def test_malformed_authorization_headers(client: Client, header: str) -> None:
    response = await client.post(
        "/api/v1/products", json=PRODUCT, headers={"Authorization": header} if header else {}
    )
    assert response.status_code == 401


async def test_a_token_in_the_query_string_is_ignored(client: Client, container: Container) -> None:
    response = await client.post(f"/api/v1/products?access_token={mint(container)}", json=PRODUCT)
    assert response.status_code == 401


async def test_an_oversized_body_is_refused(client: Client) -> None:
    huge = {"email": "a@example.com", "password": "x" * 2_000_000}
    response = await client.post("/api/v1/auth/register", json=huge)
    assert response.status_code == 413


# -- brute force ---------------------------------------------------------------------------


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[tuple[Client, Container]]:
    strict = msgspec.structs.replace(
        settings,
        auth=msgspec.structs.replace(
            settings.auth, rate_limit_per_minute=8, login_failures_per_account=3
        ),
    )
    container = build_container(strict)
    async with AsyncTestClient(create_app(container)) as test_client:
        yield test_client, container


async def test_brute_force_on_one_account_locks_it_even_for_the_right_password(
    strict_client: tuple[Client, Container],
) -> None:
    client, container = strict_client
    await create_user(container, "customer", email="target@example.com")
    statuses = []
    for n in range(4):
        response = await client.post(
            "/api/v1/auth/login",
            json={"email": "target@example.com", "password": f"guess {n}!!!!!"},
        )
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429]
    right = await client.post(
        "/api/v1/auth/login", json={"email": "target@example.com", "password": TEST_PASSWORD}
    )
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0
    assert right.json()["type"] == "/problems/too-many-attempts"


async def test_brute_force_from_one_address_hits_the_rate_limit(
    strict_client: tuple[Client, Container],
) -> None:
    client, _ = strict_client
    statuses = []
    for n in range(10):
        response = await client.post(
            "/api/v1/auth/login", json={"email": f"user{n}@example.com", "password": "guess!!!!!!!"}
        )
        statuses.append(response.status_code)
    assert statuses[:8] == [401] * 8
    assert statuses[8:] == [429, 429]
    limited = await client.post(
        "/api/v1/auth/register", json={"email": "x@example.com", "password": "y"}
    )
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["content-type"] == "application/problem+json"
    # Public reads are not limited by the sign-in limit.
    assert (await client.get("/api/v1/products")).status_code == 200


# -- injection -------------------------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "admin'--",
    "x@example.com' OR 1=1; --",
    '"; DROP TABLE users; --',
    "x@example.com\r\nSet-Cookie: session=stolen",
    "x@example.com\r\n\r\n<script>alert(1)</script>",
    "%0d%0aLocation: https://evil.example.com",
    "x@example.com\x00admin",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
]


@pytest.mark.parametrize("payload", INJECTIONS)
async def test_injection_in_every_string_field_of_the_auth_routes(
    client: Client, container: Container, payload: str
) -> None:
    await create_user(container, "customer", email="victim@example.com")
    attempts = [
        ("/api/v1/auth/register", {"email": payload, "password": "a long enough secret"}, None),
        ("/api/v1/auth/register", {"email": "new@example.com", "password": payload}, None),
        ("/api/v1/auth/login", {"email": payload, "password": "a long enough secret"}, None),
        ("/api/v1/auth/login", {"email": "victim@example.com", "password": payload}, None),
        ("/api/v1/auth/login", None, {"username": payload, "password": payload}),
        ("/api/v1/auth/refresh", {"refresh_token": payload}, None),
        ("/api/v1/auth/logout", {"refresh_token": payload}, None),
    ]
    for path, body, form in attempts:
        response = (
            await client.post(path, json=body)
            if form is None
            else await client.post(path, data=form)
        )
        assert response.status_code in (201, 202, 204, 401, 409, 422), (path, response.text)
        assert "set-cookie" not in response.headers
        assert "location" not in response.headers or "evil" not in response.headers["location"]
        if path.endswith("/login") or path.endswith("/refresh"):
            assert response.status_code in (401, 422)

    # Nothing was broken or bypassed: the victim still signs in, and only with their password.
    ok = await client.post(
        "/api/v1/auth/login", json={"email": "victim@example.com", "password": TEST_PASSWORD}
    )
    assert ok.status_code == 200
