"""Attacks on sessions: ending someone else's, reviving an ended one with its refresh token,
and a forged session id. Over HTTP against the real app."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.identity.test_auth_flow import bearer, register
from tests.api.identity.test_sessions import FIREFOX, SESSIONS, refresh, sessions, sign_in

Client = AsyncTestClient[Litestar]


async def test_another_users_session_cannot_be_ended_nor_seen(client: Client) -> None:
    await register(client)
    await register(client, email="mallory@example.com")
    ada = await sign_in(client, FIREFOX)
    mallory = await sign_in(client, "curl/8.5.0", email="mallory@example.com")
    adas_session = (await sessions(client, ada))[0]["id"]

    attempt = await client.delete(f"{SESSIONS}/{adas_session}", headers=bearer(mallory))

    assert attempt.status_code == 404  # the same answer as for a session that does not exist
    unknown = await client.delete(f"{SESSIONS}/{uuid.uuid4()}", headers=bearer(mallory))
    assert unknown.json()["type"] == attempt.json()["type"] == "/problems/session-not-found"
    assert [s["id"] for s in await sessions(client, ada)] == [adas_session]
    assert adas_session not in [s["id"] for s in await sessions(client, mallory)]
    assert (await client.get("/api/v1/users/me", headers=bearer(ada))).status_code == 200
    everyone_else = await client.delete(SESSIONS, headers=bearer(mallory))  # ends only hers
    assert everyone_else.status_code == 204
    assert (await refresh(client, ada)).status_code == 200


async def test_an_ended_sessions_refresh_token_revives_nothing(client: Client) -> None:
    await register(client)
    here = await sign_in(client, FIREFOX)
    stolen = await sign_in(client, "curl/8.5.0")
    rotated = (await refresh(client, stolen)).json()  # the thief's copy moved on once
    stolen_session = next(s["id"] for s in await sessions(client, rotated) if s["current"])

    ended = await client.delete(f"{SESSIONS}/{stolen_session}", headers=bearer(here))
    assert ended.status_code == 204

    for tokens in (stolen, rotated):
        answer = await refresh(client, tokens)
        assert answer.status_code == 401
        assert answer.json()["type"] == "/problems/invalid-refresh-token"
        assert (await client.get(SESSIONS, headers=bearer(tokens))).status_code == 401
    assert [s["current"] for s in await sessions(client, here)] == [True]


async def test_the_session_route_takes_only_session_ids(client: Client) -> None:
    await register(client)
    tokens = await sign_in(client, FIREFOX)
    for junk in ("me", "1 OR 1=1", "../me"):
        answer = await client.delete(f"{SESSIONS}/{junk}", headers=bearer(tokens))
        assert answer.status_code in (404, 405), junk
    assert len(await sessions(client, tokens)) == 1
    assert (await client.delete(SESSIONS)).status_code == 401  # no token, no sessions
