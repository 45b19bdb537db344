"""Deleting an account (your own with your password, anyone's with users:manage) and exporting
what the service holds about you, over HTTP: personal data erased, tokens refused, the address
free to sign up again. What happens to orders: tests/api/ordering/test_customer_data.py."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.api.identity.test_auth_flow import PASSWORD, bearer, login, register
from tests.support.auth import auth_headers, create_user
from tests.support.auth import bearer as token_for

Client = AsyncTestClient[Litestar]
ME = "/api/v1/users/me"


async def signed_in(client: Client, email: str = "ada@example.com") -> dict[str, Any]:
    await register(client, email=email)
    response = await login(client, email=email)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def delete_me(client: Client, tokens: dict[str, Any], password: str = PASSWORD) -> Any:
    return await client.request("DELETE", ME, json={"password": password}, headers=bearer(tokens))


async def test_the_export_holds_the_account_and_its_sessions(client: Client) -> None:
    tokens = await signed_in(client)
    await login(client)  # a second session

    response = await client.get(f"{ME}/export", headers=bearer(tokens))

    assert response.status_code == 200, response.text
    data = response.json()
    assert data["account"]["email"] == "ada@example.com"
    assert sorted(s["current"] for s in data["sessions"]) == [False, True]
    assert isinstance(
        data["contexts"], dict
    )  # each context's section (ordering: tests/api/ordering)
    assert "password" not in response.text
    assert "argon2" not in response.text


async def test_deleting_your_account_erases_it(client: Client, container: Container) -> None:
    tokens = await signed_in(client)
    account_id = (await client.get(ME, headers=bearer(tokens))).json()["id"]

    deleted = await delete_me(client, tokens)
    assert deleted.status_code == 204, deleted.text

    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    assert (await login(client)).status_code == 401
    admin = await auth_headers(container, "admin")
    erased = (await client.get(f"/api/v1/users/{account_id}", headers=admin)).json()
    assert erased["email"] == f"deleted-{account_id.replace('-', '')}@deleted.invalid"
    assert (erased["roles"], erased["active"], erased["email_verified"]) == ([], False, False)
    again = await signed_in(client)  # the address is free: a new account, a new id
    assert (await client.get(ME, headers=bearer(again))).json()["id"] != account_id


async def test_deleting_needs_the_password(client: Client) -> None:
    tokens = await signed_in(client)

    wrong = await delete_me(client, tokens, password="not my password at all")
    assert wrong.status_code == 401
    assert wrong.json()["type"] == "/problems/invalid-credentials"
    missing = await client.request("DELETE", ME, headers=bearer(tokens))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body"
    unknown_field = await client.request(
        "DELETE", ME, json={"password": PASSWORD, "force": True}, headers=bearer(tokens)
    )
    assert unknown_field.status_code == 422
    assert unknown_field.json()["errors"][0]["field"] == "force"
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200


async def test_an_admin_deletes_an_account_but_not_the_last_admin(
    client: Client, container: Container
) -> None:
    tokens = await signed_in(client)
    account_id = (await client.get(ME, headers=bearer(tokens))).json()["id"]
    first_admin_id = await create_user(container, "admin")
    first_admin = token_for(container, first_admin_id, "admin")
    root = await signed_in(client, "root@example.com")
    root_id = (await client.get(ME, headers=bearer(root))).json()["id"]
    promoted = await client.patch(
        f"/api/v1/users/{root_id}", json={"roles": ["admin"]}, headers=first_admin
    )
    assert promoted.status_code == 200
    root = (await login(client, email="root@example.com")).json()

    refused = await client.delete(f"/api/v1/users/{root_id}", headers=bearer(tokens))
    assert refused.status_code == 403
    deleted = await client.delete(f"/api/v1/users/{account_id}", headers=bearer(root))
    assert deleted.status_code == 204
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    gone = await client.delete(f"/api/v1/users/{account_id}", headers=bearer(root))
    assert gone.status_code == 404

    assert (await delete_me(client, root)).status_code == 204  # another active admin remains
    last = await client.delete(f"/api/v1/users/{first_admin_id}", headers=first_admin)
    assert last.status_code == 409
    assert last.json()["type"] == "/problems/last-admin"
    assert (await client.get(f"/api/v1/users/{first_admin_id}", headers=first_admin)).json()[
        "active"
    ]
