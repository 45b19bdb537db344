"""Attacks on social sign-in, over HTTP against the real app: forged, replayed and missing
`state`, an ID token for another sign-in (nonce), open redirects, linking by an unverified email,
and unlinking the last way in. The provider is a real HTTP server on loopback that signs its ID
tokens (tests/support/oidc_provider.py) and answers what each attack needs."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings, SocialSettings
from tests.support.auth import TEST_PASSWORD, create_user
from tests.support.mail import mail_app
from tests.support.oidc_provider import OidcProvider, worker_provider

CLIENT_ID = "portico-test"
START, CALLBACK = "/api/v1/auth/social/oidc/start", "/api/v1/auth/social/oidc/callback"
FRONT_END = "https://app.example.com/signed-in"
Client = AsyncTestClient[Litestar]


@asynccontextmanager
async def social_app(
    settings: Settings, provider: OidcProvider, frontends: str = ""
) -> AsyncIterator[tuple[Container, Client]]:
    social = SocialSettings(
        callback_base="http://testserver.local",
        frontends=frontends,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret="a client secret",
    )
    async with mail_app(msgspec.structs.replace(settings, social=social)) as app:
        yield app


async def start(client: Client, **query: str) -> dict[str, str]:
    """Begin a sign-in; the authorization request's parameters (state, nonce, ...)."""
    answer = await client.get(START, params=query, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def answer_with(provider: OidcProvider, nonce: str, subject: str = "ext-1", **claims: Any) -> None:
    """The provider's next token answer: an ID token for us with this nonce."""
    claims.setdefault("email", "ada@example.com")
    claims.setdefault("email_verified", True)
    id_token = provider.token(CLIENT_ID, subject=subject, nonce=nonce, **claims)
    provider.token_answer = {"access_token": "at", "token_type": "Bearer", "id_token": id_token}


async def callback(client: Client, state: str, code: str = "a-code") -> Any:
    return await client.get(CALLBACK, params={"state": state, "code": code}, follow_redirects=False)


def problem_type(response: Any) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_a_forged_state_is_refused_and_nothing_is_traded(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (_, client):
            request = await start(client)
            answer_with(provider, request["nonce"])
            forged = await callback(client, state=request["state"][:-2] + "xx")
            assert forged.status_code == 422
            assert problem_type(forged) == "invalid-sign-in-state"
            assert provider.token_requests == []  # refused before the provider is asked


async def test_an_unknown_provider_is_refused(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (_, client):
            refused = await client.get("/api/v1/auth/social/github/start")
            assert refused.status_code == 404
            assert problem_type(refused) == "unknown-provider"


async def test_a_callback_without_a_started_flow_is_refused(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (_, client):
            answer_with(provider, "whatever")
            for state in ("", "never-issued"):
                refused = await callback(client, state=state)
                assert refused.status_code == 422
                assert problem_type(refused) == "invalid-sign-in-state"
            assert provider.token_requests == []


async def test_a_state_works_once(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (_, client):
            request = await start(client)
            answer_with(provider, request["nonce"])
            first = await callback(client, request["state"])
            assert first.status_code == 200, first.text
            replay = await callback(client, request["state"])
            assert replay.status_code == 422
            assert problem_type(replay) == "invalid-sign-in-state"
            assert len(provider.token_requests) == 1


async def test_the_code_is_traded_with_the_pkce_verifier_of_its_sign_in(
    settings: Settings,
) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (_, client):
            request = await start(client)
            assert request["code_challenge_method"] == "S256"
            answer_with(provider, request["nonce"])
            assert (await callback(client, request["state"])).status_code == 200
            form = parse_qs(provider.token_requests[0])
            verifier = form["code_verifier"][0]
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            assert challenge == request["code_challenge"]


async def test_an_id_token_with_another_sign_ins_nonce_is_refused(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (container, client):
            victim, attacker = await start(client), await start(client)
            answer_with(provider, attacker["nonce"])  # a token minted for the other sign-in
            refused = await callback(client, victim["state"])
            assert refused.status_code == 401
            assert problem_type(refused) == "provider-sign-in-failed"
            async with container.identity.uow(read_only=True) as uow:
                assert await uow.users.get_by_email("ada@example.com") is None


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example.com/signed-in",
        "https://app.example.com.evil.example.com/",
        "https://app.example.com@evil.example.com/",
        "//evil.example.com/",
        "http://app.example.com/signed-in",  # another scheme: another origin
        "https://app.example.com:8443/",
        "javascript:alert(1)",
    ],
)
async def test_a_landing_outside_the_allow_list_is_refused(
    settings: Settings, return_to: str
) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider, frontends=FRONT_END) as (_, client):
            refused = await client.get(START, params={"return_to": return_to})
            assert refused.status_code == 422
            assert "location" not in refused.headers
            assert refused.json()["errors"] == [
                {
                    "field": "return_to",
                    "message": "is not one of the front ends this server returns to",
                }
            ]


async def test_the_browser_lands_only_on_the_configured_front_end_with_a_one_time_code(
    settings: Settings,
) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider, frontends=FRONT_END) as (_, client):
            # Same origin, another path: the configured URL is used, never the request's.
            request = await start(client, return_to="https://app.example.com/elsewhere?next=//x")
            answer_with(provider, request["nonce"])
            landed = await callback(client, request["state"])
            assert landed.status_code == 302
            location = landed.headers["location"]
            assert location.startswith(FRONT_END + "?code=")
            code = parse_qs(urlsplit(location).query)["code"][0]
            tokens = await client.post("/api/v1/auth/social/exchange", json={"code": code})
            assert tokens.status_code == 200
            assert tokens.json()["access_token"]
            again = await client.post("/api/v1/auth/social/exchange", json={"code": code})
            assert again.status_code == 422
            assert problem_type(again) == "invalid-exchange-code"


async def test_an_unverified_email_never_links_to_an_existing_account(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (container, client):
            victim = await create_user(container, email="ada@example.com")
            request = await start(client)
            answer_with(provider, request["nonce"], subject="attacker", email_verified=False)
            refused = await callback(client, request["state"])
            assert refused.status_code == 409
            assert problem_type(refused) == "email-taken"
            async with container.identity.uow(read_only=True) as uow:
                assert await uow.linked_identities.of_user(victim) == []  # type: ignore[arg-type]
                assert await uow.linked_identities.find("oidc", "attacker") is None
            login = await client.post(
                "/api/v1/auth/login", json={"email": "ada@example.com", "password": TEST_PASSWORD}
            )
            assert login.status_code == 200  # the owner's account is untouched


async def verified_user(container: Container, email: str) -> str:
    user_id = await create_user(container, email=email)
    async with container.identity.uow() as uow:
        user = await uow.users.get_by_email(email)
        assert user is not None
        user.verify_email(user.created_at)
        await uow.users.update(user)
        await uow.commit()
    return user_id


async def test_a_verified_email_links_to_the_existing_account(settings: Settings) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (container, client):
            owner = await verified_user(container, "ada@example.com")
            request = await start(client)
            answer_with(provider, request["nonce"], subject="ada-at-provider")
            signed_in = await callback(client, request["state"])
            assert signed_in.status_code == 200
            headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            me = await client.get("/api/v1/users/me", headers=headers)
            assert me.json()["id"] == owner
            links = await client.get("/api/v1/users/me/identities", headers=headers)
            assert [link["provider"] for link in links.json()] == ["oidc"]
            # With a password, the account may drop its only link; a second unlink finds none.
            assert (
                await client.delete("/api/v1/users/me/identities/oidc", headers=headers)
            ).status_code == 204
            gone = await client.delete("/api/v1/users/me/identities/oidc", headers=headers)
            assert gone.status_code == 404
            assert problem_type(gone) == "identity-not-linked"


async def test_linking_an_account_nobody_verified_drops_its_unproven_password(
    settings: Settings,
) -> None:
    """A squatter signs up with the victim's address (never verified) and waits for the victim
    to sign in with a provider: the link goes to the victim, the squatter's password goes."""
    with worker_provider() as provider:
        async with social_app(settings, provider) as (container, client):
            squatted = await create_user(container, email="ada@example.com")
            request = await start(client)
            answer_with(provider, request["nonce"], subject="the-real-ada")
            signed_in = await callback(client, request["state"])
            assert signed_in.status_code == 200
            login = await client.post(
                "/api/v1/auth/login", json={"email": "ada@example.com", "password": TEST_PASSWORD}
            )
            assert login.status_code == 401
            headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            me = (await client.get("/api/v1/users/me", headers=headers)).json()
            assert me["id"] == squatted
            assert me["email_verified"] is True


async def test_the_last_way_into_an_account_without_a_password_cannot_be_unlinked(
    settings: Settings,
) -> None:
    with worker_provider() as provider:
        async with social_app(settings, provider) as (_, client):
            request = await start(client)
            answer_with(provider, request["nonce"], subject="new-person", email="new@example.com")
            signed_in = await callback(client, request["state"])
            headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            refused = await client.delete("/api/v1/users/me/identities/oidc", headers=headers)
            assert refused.status_code == 409
            assert problem_type(refused) == "last-sign-in-method"
            links = await client.get("/api/v1/users/me/identities", headers=headers)
            assert len(links.json()) == 1
            # Nor does an empty password sign this account in.
            login = await client.post(
                "/api/v1/auth/login", json={"email": "new@example.com", "password": ""}
            )
            assert login.status_code in (401, 422)
