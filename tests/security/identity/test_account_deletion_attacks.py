"""Attacks on account deletion and export: deleting without the password or with a wrong one
(and guessing it), reading another user's export, and using a deleted account's tokens, also
once its address has signed up again. Over HTTP against the real app."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.api.identity.test_account_deletion import ME, delete_me, signed_in
from tests.api.identity.test_auth_flow import bearer
from tests.support.auth import auth_headers

Client = AsyncTestClient[Litestar]


async def test_no_deletion_without_the_right_password_and_guessing_it_is_throttled(
    client: Client,
) -> None:
    tokens = await signed_in(client)  # a sign-up and a login: 2 of the 20 per minute

    assert (await client.request("DELETE", ME, headers=bearer(tokens))).status_code == 422
    assert (await delete_me(client, tokens, password="")).status_code == 422
    answers = [
        (await delete_me(client, tokens, password=f"guess number {n}")).status_code
        for n in range(20)
    ]

    assert set(answers[:16]) == {401}
    assert answers[-1] == 429  # the same per-address budget as the sign-in routes
    assert (await client.get(ME, headers=bearer(tokens))).json()["email"] == "ada@example.com"


async def test_nobody_reads_another_users_export(client: Client, container: Container) -> None:
    ada = await signed_in(client)
    mallory = await signed_in(client, "mallory@example.com")
    ada_id = (await client.get(ME, headers=bearer(ada))).json()["id"]

    export = await client.get(f"{ME}/export", headers=bearer(mallory))
    assert export.status_code == 200
    assert export.json()["account"]["email"] == "mallory@example.com"
    assert len(export.json()["sessions"]) == 1
    assert ada_id not in export.text
    assert "ada@example.com" not in export.text
    for path in (f"/api/v1/users/{ada_id}/export", f"{ME}/export?user_id={ada_id}"):
        other = await client.get(path, headers=bearer(mallory))
        assert "ada@example.com" not in other.text, path
    admin = await auth_headers(container, "admin")
    own = await client.get(f"{ME}/export", headers=admin)  # even users:manage: their own only
    assert own.status_code == 200
    assert "ada@example.com" not in own.text
    assert (await client.get(f"{ME}/export")).status_code == 401


async def test_a_deleted_accounts_tokens_open_nothing_even_after_its_address_signs_up_again(
    client: Client,
) -> None:
    tokens = await signed_in(client)
    assert (await delete_me(client, tokens)).status_code == 204
    newcomer = await signed_in(client)  # the same address, someone new

    for attempt in (
        client.get(ME, headers=bearer(tokens)),
        client.get(f"{ME}/export", headers=bearer(tokens)),
        client.get(f"{ME}/sessions", headers=bearer(tokens)),
        client.request("DELETE", ME, json={"password": "x"}, headers=bearer(tokens)),
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
    ):
        assert (await attempt).status_code == 401
    sessions = (await client.get(f"{ME}/sessions", headers=bearer(newcomer))).json()["items"]
    assert [s["current"] for s in sessions] == [True]
