"""Your sessions over HTTP: listed with their device and address, the current one marked; one
ended, or all the others; each ended session's refresh and access tokens refused."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.identity.test_auth_flow import PASSWORD, bearer, register

Client = AsyncTestClient[Litestar]
SESSIONS = "/api/v1/users/me/sessions"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/605.1"


async def sign_in(client: Client, agent: str, email: str = "ada@example.com") -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def sessions(client: Client, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(SESSIONS, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def refresh(client: Client, tokens: dict[str, Any], agent: str = FIREFOX) -> Any:
    return await client.post(
        "/api/v1/auth/refresh",
        json={"refresh_token": tokens["refresh_token"]},
        headers={"User-Agent": agent},
    )


async def test_sessions_are_listed_with_their_device_and_the_current_one_marked(
    client: Client,
) -> None:
    await register(client)
    laptop = await sign_in(client, FIREFOX)
    phone = await sign_in(client, IPHONE)

    listed = await sessions(client, phone)

    assert [(s["device"], s["current"]) for s in listed] == [
        ("Safari on iOS", True),
        ("Firefox on Linux", False),
    ]
    assert listed[0]["user_agent"] == IPHONE
    assert listed[0]["client_address"] == "testclient"  # the test client's peer
    assert listed[0]["created_at"] == listed[0]["last_used_at"]
    assert [s["current"] for s in await sessions(client, laptop)] == [False, True]


async def test_a_refresh_moves_the_last_use_on_and_keeps_the_session(client: Client) -> None:
    await register(client)
    tokens = await sign_in(client, FIREFOX)
    before = (await sessions(client, tokens))[0]

    refreshed = await refresh(client, tokens)
    assert refreshed.status_code == 200
    after = await sessions(client, refreshed.json())

    assert [s["id"] for s in after] == [before["id"]]
    assert after[0]["current"] is True
    assert after[0]["last_used_at"] > before["last_used_at"]
    assert after[0]["created_at"] == before["created_at"]


async def test_ending_one_session_refuses_its_tokens_and_leaves_the_others(client: Client) -> None:
    await register(client)
    laptop, phone = await sign_in(client, FIREFOX), await sign_in(client, IPHONE)
    phone_session = next(s["id"] for s in await sessions(client, phone) if s["current"])

    ended = await client.delete(f"{SESSIONS}/{phone_session}", headers=bearer(laptop))
    assert ended.status_code == 204

    assert (await client.get("/api/v1/users/me", headers=bearer(phone))).status_code == 401
    assert (await refresh(client, phone)).status_code == 401
    assert [s["device"] for s in await sessions(client, laptop)] == ["Firefox on Linux"]
    again = await client.delete(f"{SESSIONS}/{phone_session}", headers=bearer(laptop))
    assert again.status_code == 404
    assert again.json()["type"] == "/problems/session-not-found"


async def test_ending_the_other_sessions_keeps_the_current_one(client: Client) -> None:
    await register(client)
    here = await sign_in(client, FIREFOX)
    others = [await sign_in(client, IPHONE), await sign_in(client, "curl/8.5.0")]

    response = await client.delete(SESSIONS, headers=bearer(here))
    assert response.status_code == 204

    for tokens in others:
        assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
        assert (await refresh(client, tokens)).status_code == 401
    assert [s["current"] for s in await sessions(client, here)] == [True]
    assert (await refresh(client, here)).status_code == 200


async def test_logging_out_ends_the_session_and_its_access_token(client: Client) -> None:
    await register(client)
    tokens = await sign_in(client, FIREFOX)

    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204

    assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
