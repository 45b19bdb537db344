"""The sign-in flow over HTTP: register, log in, call, refresh, log out, refused after logout."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
PASSWORD = "a long enough secret"


async def register(client: Client, email: str = "ada@example.com", password: str = PASSWORD) -> Any:
    return await client.post("/api/v1/auth/register", json={"email": email, "password": password})


async def login(client: Client, email: str = "ada@example.com", password: str = PASSWORD) -> Any:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_the_whole_flow(client: Client) -> None:
    registered = await register(client, email="  Ada@Example.COM ")
    assert registered.status_code == 202
    assert "password" not in registered.text
    assert "argon2" not in registered.text

    logged_in = await login(client, email="ADA@example.com")
    assert logged_in.status_code == 200
    tokens = logged_in.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert len(tokens["refresh_token"]) >= 43  # 256 random bits

    me = await client.get("/api/v1/users/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["roles"] == ["customer"]

    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new_tokens = refreshed.json()
    assert new_tokens["refresh_token"] != tokens["refresh_token"]
    assert (await client.get("/api/v1/users/me", headers=bearer(new_tokens))).status_code == 200

    logout = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert logout.status_code == 204
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert after.status_code == 401
    assert after.json()["type"] == "/problems/invalid-refresh-token"
    again = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert again.status_code == 204


async def test_login_accepts_the_oauth2_password_form(client: Client) -> None:
    await register(client)
    response = await client.post(
        "/api/v1/auth/login",
        data={"grant_type": "password", "username": "ada@example.com", "password": PASSWORD},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


async def test_a_bad_login_body_is_a_422_naming_the_missing_field(client: Client) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "ada@example.com"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"
    form = await client.post("/api/v1/auth/login", data={"username": "ada@example.com"})
    assert form.status_code == 422


async def test_a_malformed_login_address_is_a_422_naming_its_field(client: Client) -> None:
    body = await client.post("/api/v1/auth/login", json={"email": "ada", "password": "x"})
    form = await client.post("/api/v1/auth/login", data={"username": "ada", "password": "x"})
    assert (body.status_code, form.status_code) == (422, 422)
    assert body.json()["errors"][0]["field"] == "email"
    assert form.json()["errors"][0]["field"] == "username"


async def test_registering_twice_keeps_the_first_account_and_answers_the_same(
    client: Client,
) -> None:
    first = await register(client)
    second = await register(client, email="ADA@example.com", password="another long secret")
    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert (await login(client)).status_code == 200
    assert (await login(client, password="another long secret")).status_code == 401


async def test_the_password_policy_is_enforced(client: Client) -> None:
    for password, why in (
        ("short", "length >= 12"),  # the schema says it: refused while parsing
        ("ada@example.com", "not be your email"),
        ("Password1234", "too common"),
    ):
        response = await register(client, password=password)
        assert response.status_code == 422, password
        assert response.json()["errors"][0]["field"] == "password"
        body = response.json()
        assert why in body["detail"] + body["errors"][0]["message"]


async def test_an_invalid_email_is_refused(client: Client) -> None:
    response = await register(client, email="not-an-email")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"


async def test_unknown_email_and_wrong_password_look_the_same(client: Client) -> None:
    await register(client)
    wrong = await login(client, password="a wrong but long password")
    unknown = await login(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]
    strip = {"request_id"}
    assert {k: v for k, v in wrong.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }


async def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    client: Client,
) -> None:
    await register(client)
    first = (await login(client)).json()
    second = (await login(client)).json()

    changed = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "another long secret"},
        headers=bearer(first),
    )
    assert changed.status_code == 204

    assert (await client.get("/api/v1/users/me", headers=bearer(second))).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert refresh.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=bearer(first))).status_code == 200
    kept = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert kept.status_code == 200
    assert (await login(client)).status_code == 401
    assert (await login(client, password="another long secret")).status_code == 200


async def test_changing_the_password_needs_the_current_one(client: Client) -> None:
    await register(client)
    tokens = (await login(client)).json()
    response = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": "not the current one", "new_password": "another long secret"},
        headers=bearer(tokens),
    )
    assert response.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 200


async def test_jwks_publishes_the_public_signing_key(client: Client) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    (key,) = response.json()["keys"]
    assert key["alg"] == "Ed25519"
    assert key["kty"] == "OKP"
    assert "d" not in key
    await register(client)
    tokens = (await login(client)).json()
    header = tokens["access_token"].split(".")[0]
    import base64
    import json

    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    assert decoded["kid"] == key["kid"]
