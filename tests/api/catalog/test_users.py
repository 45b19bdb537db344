"""Users over HTTP: /me, the ownership rule, and what user managers may change."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.support.auth import TEST_PASSWORD, auth_headers, bearer, create_user

Client = AsyncTestClient[Litestar]


async def test_a_customer_sees_their_own_account_and_not_anothers(
    client: Client, container: Container
) -> None:
    mine = await create_user(container, "customer")
    other = await create_user(container, "customer")
    headers = bearer(container, mine, "customer")

    assert (await client.get(f"/api/v1/users/{mine}", headers=headers)).status_code == 200
    hidden = await client.get(f"/api/v1/users/{other}", headers=headers)
    missing = await client.get(
        "/api/v1/users/00000000-0000-7000-8000-000000000000", headers=headers
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["type"] == missing.json()["type"] == "/problems/user-not-found"


async def test_an_admin_sees_anyone_and_lists_everyone(
    client: Client, container: Container
) -> None:
    other = await create_user(container, "customer")
    admin = await auth_headers(container, "admin")

    assert (await client.get(f"/api/v1/users/{other}", headers=admin)).status_code == 200
    listed = await client.get("/api/v1/users?limit=1", headers=admin)
    assert listed.status_code == 200
    assert len(listed.json()["items"]) == 1
    assert listed.json()["next_cursor"]
    rest = await client.get(
        f"/api/v1/users?limit=10&cursor={listed.json()['next_cursor']}", headers=admin
    )
    assert len(rest.json()["items"]) == 1


async def test_only_user_managers_list_and_change_users(
    client: Client, container: Container
) -> None:
    target = await create_user(container, "customer")
    for role in ("customer", "staff"):
        headers = await auth_headers(container, role)
        assert (await client.get("/api/v1/users", headers=headers)).status_code == 403
        patch = await client.patch(
            f"/api/v1/users/{target}", json={"roles": ["admin"]}, headers=headers
        )
        assert patch.status_code == 403
        assert patch.json()["type"] == "/problems/forbidden"


async def test_a_role_change_voids_old_tokens_and_the_next_login_has_the_new_roles(
    client: Client, container: Container
) -> None:
    await create_user(container, "customer", email="bob@example.com")
    login = {"email": "bob@example.com", "password": TEST_PASSWORD}
    tokens = (await client.post("/api/v1/auth/login", json=login)).json()
    old = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = (await client.get("/api/v1/users/me", headers=old)).json()
    admin = await auth_headers(container, "admin")

    changed = await client.patch(
        f"/api/v1/users/{me['id']}", json={"roles": ["staff"]}, headers=admin
    )
    assert changed.status_code == 200
    assert changed.json()["roles"] == ["staff"]
    assert changed.headers["etag"] == '"2"'

    assert (await client.get("/api/v1/users/me", headers=old)).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    product = {"sku": "TEA-1", "name": "Tea", "price": {"amount": "1.00", "currency": "EUR"}}
    assert (await client.post("/api/v1/products", json=product, headers=new)).status_code == 201


async def test_patch_honours_if_match_and_refuses_unknown_roles(
    client: Client, container: Container
) -> None:
    target = await create_user(container, "customer")
    admin = await auth_headers(container, "admin")

    stale = await client.patch(
        f"/api/v1/users/{target}", json={"active": False}, headers={**admin, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    unknown = await client.patch(f"/api/v1/users/{target}", json={"roles": ["root"]}, headers=admin)
    assert unknown.status_code == 422


async def test_an_admin_cannot_deactivate_themselves(client: Client, container: Container) -> None:
    admin_id = await create_user(container, "admin")
    headers = bearer(container, admin_id, "admin")
    response = await client.patch(
        f"/api/v1/users/{admin_id}", json={"active": False}, headers=headers
    )
    assert response.status_code == 422
