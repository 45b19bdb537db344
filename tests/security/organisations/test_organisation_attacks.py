"""Attacks on organisations: strangers reading or changing one (404, nothing learnt), an admin
reaching for ownership, and invitation tokens reused, expired, used by someone else, or used to
get into another organisation than the one that invited."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.organisations.invitation import INVITATION_LIFETIME
from entrypoints.container import Container
from entrypoints.settings import Settings, TenancySettings
from tests.support.auth import bearer, create_user
from tests.support.mail import mail_app, mail_settings, mails_to, now_clock, smtp_server, token_of
from tests.support.organisations.members import URL, create_organisation, verified_user
from tests.support.smtp_server import SmtpServer

Client = AsyncTestClient[Litestar]


async def invitation_token(
    client: Client, server: SmtpServer, url: str, owner: dict[str, str], email: str, role: str
) -> str:
    invited = await client.post(
        f"{url}/invitations", json={"email": email, "role": role}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    return token_of((await mails_to(server, email))[-1])


async def joined(
    container: Container,
    client: Client,
    server: SmtpServer,
    url: str,
    owner: dict[str, str],
    role: str,
) -> tuple[str, dict[str, str]]:
    """A new verified user who joined the organisation at `url` with `role`."""
    email = f"{role}-{secrets.token_hex(4)}@example.com"
    user_id, headers = await verified_user(container, email)
    token = await invitation_token(client, server, url, owner, email, role)
    accepted = await client.post(
        f"{URL}/invitations/accept", json={"token": token}, headers=headers
    )
    assert accepted.status_code == 200, accepted.text
    return user_id, headers


async def test_a_stranger_can_neither_read_nor_change_an_organisation(
    client: Client, container: Container
) -> None:
    owner_id, owner = await verified_user(container)
    _, stranger = await verified_user(container)
    made = await create_organisation(client, owner)
    url = f"{URL}/{made['id']}"

    attempts: list[Any] = [
        await client.get(url, headers=stranger),
        await client.patch(url, json={"name": "Mine now"}, headers=stranger),
        await client.delete(url, headers=stranger),
        await client.get(f"{url}/members", headers=stranger),
        await client.put(
            f"{url}/members/{owner_id}/role", json={"role": "member"}, headers=stranger
        ),
        await client.delete(f"{url}/members/{owner_id}", headers=stranger),
        await client.post(f"{url}/leave", headers=stranger),
        await client.post(f"{url}/ownership", json={"user_id": owner_id}, headers=stranger),
        await client.post(f"{url}/invitations", json={"email": "me@example.com"}, headers=stranger),
        await client.get(f"{url}/invitations", headers=stranger),
    ]
    unknown = await client.get(f"{URL}/{'0' * 8}-0000-7000-8000-{'0' * 12}", headers=stranger)
    still = await client.get(url, headers=owner)

    for response in attempts:
        assert response.status_code == 404, response.request.url
        assert response.json() == {
            **unknown.json(),
            "detail": response.json()["detail"],
            "request_id": response.json()["request_id"],
        }
    assert still.json()["name"] == made["name"]
    assert still.json()["version"] == 1


async def test_an_admin_cannot_make_or_unmake_owners(settings: Settings) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            owner_id, owner = await verified_user(container)
            made = await create_organisation(client, owner)
            url = f"{URL}/{made['id']}"
            admin_id, admin = await joined(container, client, server, url, owner, "admin")
            member_id, member = await joined(container, client, server, url, owner, "member")

            promote = await client.put(
                f"{url}/members/{member_id}/role", json={"role": "owner"}, headers=admin
            )
            self_promote = await client.put(
                f"{url}/members/{admin_id}/role", json={"role": "owner"}, headers=admin
            )
            demote = await client.put(
                f"{url}/members/{owner_id}/role", json={"role": "member"}, headers=admin
            )
            remove_owner = await client.delete(f"{url}/members/{owner_id}", headers=admin)
            take = await client.post(f"{url}/ownership", json={"user_id": admin_id}, headers=admin)
            invite_owner = await client.post(
                f"{url}/invitations",
                json={"email": "boss@example.com", "role": "owner"},
                headers=admin,
            )
            member_promotes = await client.put(
                f"{url}/members/{member_id}/role", json={"role": "admin"}, headers=member
            )
            members = (await client.get(f"{url}/members", headers=owner)).json()["items"]

    for response in (promote, self_promote, demote, remove_owner, take, invite_owner):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/organisation-role-required"
    assert member_promotes.status_code == 403
    assert {(m["user_id"], m["role"]) for m in members} == {
        (owner_id, "owner"),
        (admin_id, "admin"),
        (member_id, "member"),
    }


async def test_an_invitation_token_works_once_only_for_the_invited_verified_address(
    settings: Settings,
) -> None:
    clock = now_clock()
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server), clock) as (container, client):
            _, owner = await verified_user(container)
            _, grace = await verified_user(container, "grace@example.com")
            alan_id, alan = await verified_user(container, "alan@example.com")
            made = await create_organisation(client, owner)
            url = f"{URL}/{made['id']}"
            token = await invitation_token(
                client, server, url, owner, "grace@example.com", "member"
            )
            expiring = await invitation_token(
                client, server, url, owner, "alan@example.com", "member"
            )

            other_user = await client.post(
                f"{URL}/invitations/accept", json={"token": token}, headers=alan
            )
            other_declines = await client.post(
                f"{URL}/invitations/decline", json={"token": token}, headers=alan
            )
            made_up = await client.post(
                f"{URL}/invitations/accept", json={"token": "x" * 43}, headers=grace
            )
            first = await client.post(
                f"{URL}/invitations/accept", json={"token": token}, headers=grace
            )
            reused = await client.post(
                f"{URL}/invitations/accept", json={"token": token}, headers=grace
            )
            clock.advance(INVITATION_LIFETIME + timedelta(seconds=1))
            alan = bearer(container, alan_id)  # the access token expired meanwhile too
            expired = await client.post(
                f"{URL}/invitations/accept", json={"token": expiring}, headers=alan
            )
            alan_sees = await client.get(url, headers=alan)

    for refused in (other_user, other_declines, made_up, reused, expired):
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"] == "/problems/invalid-invitation-token"
        assert [e["field"] for e in refused.json()["errors"]] == ["token"]
    assert first.status_code == 200
    assert alan_sees.status_code == 404


async def test_an_unverified_account_with_the_invited_address_cannot_accept(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            _, owner = await verified_user(container)
            made = await create_organisation(client, owner)
            url = f"{URL}/{made['id']}"
            squatter_id = await create_user(container, email="grace@example.com")
            token = await invitation_token(client, server, url, owner, "grace@example.com", "admin")

            accepted = await client.post(
                f"{URL}/invitations/accept",
                json={"token": token},
                headers=bearer(container, squatter_id),
            )

    assert accepted.status_code == 422
    assert accepted.json()["type"] == "/problems/invalid-invitation-token"


async def test_an_admin_of_one_organisation_cannot_revoke_another_ones_invitation(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            _, owner = await verified_user(container)
            _, rival = await verified_user(container)
            target = await create_organisation(client, owner, "Target")
            theirs = await create_organisation(client, rival, "Rival")
            invited = await client.post(
                f"{URL}/{target['id']}/invitations",
                json={"email": "grace@example.com"},
                headers=owner,
            )
            invitation = invited.json()["id"]

            across = await client.delete(
                f"{URL}/{theirs['id']}/invitations/{invitation}", headers=rival
            )
            direct = await client.delete(
                f"{URL}/{target['id']}/invitations/{invitation}", headers=rival
            )
            pending = await client.get(f"{URL}/{target['id']}/invitations", headers=owner)

    assert across.status_code == 404
    assert across.json()["type"] == "/problems/invitation-not-found"
    assert direct.status_code == 404
    assert direct.json()["type"] == "/problems/organisation-not-found"
    assert [i["id"] for i in pending.json()["items"]] == [invitation]


async def test_an_invitation_token_of_one_organisation_joins_that_one_only(
    settings: Settings,
) -> None:
    on = msgspec.structs.replace(settings, tenancy=TenancySettings(enabled=True))
    with smtp_server() as server:
        async with mail_app(mail_settings(on, server)) as (container, client):
            _, owner = await verified_user(container)
            rival_id, rival = await verified_user(container)
            alpha = await create_organisation(client, owner, "Alpha")
            beta = await create_organisation(client, rival, "Beta")
            grace_id, grace = await verified_user(container, "grace@example.com")
            token = await invitation_token(
                client, server, f"{URL}/{alpha['id']}", owner, "grace@example.com", "admin"
            )
            waiting = await client.post(  # Beta's own invitation to the same address, pending
                f"{URL}/{beta['id']}/invitations",
                json={"email": "grace@example.com", "role": "member"},
                headers=rival,
            )
            assert waiting.status_code == 201, waiting.text

            accepted = await client.post(
                f"{URL}/invitations/accept", json={"token": token}, headers=grace
            )
            in_alpha = await client.get("/api/v1/tenant", headers=acting(grace, alpha["id"]))
            in_beta = await client.get("/api/v1/tenant", headers=acting(grace, beta["id"]))
            beta_read = await client.get(f"{URL}/{beta['id']}", headers=grace)
            beta_members = await client.get(f"{URL}/{beta['id']}/members", headers=rival)
            beta_pending = await client.get(f"{URL}/{beta['id']}/invitations", headers=rival)

    assert accepted.status_code == 200, accepted.text
    assert in_alpha.status_code == 200
    assert in_alpha.json()["role"] == "admin"
    assert in_beta.status_code == 404
    assert in_beta.json()["type"] == "/problems/organisation-not-found"
    assert beta_read.status_code == 404
    assert [m["user_id"] for m in beta_members.json()["items"]] == [rival_id]
    assert grace_id not in beta_members.text
    assert [i["id"] for i in beta_pending.json()["items"]] == [waiting.json()["id"]]


def acting(headers: dict[str, str], organisation_id: object) -> dict[str, str]:
    return {**headers, "X-Organisation-Id": str(organisation_id)}
