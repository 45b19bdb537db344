"""Invitations through the HTTP API, the mail going through the outbox, the bus and the
consumer over SMTP to a real server on loopback: invite, accept, roles, transfer, leave."""

from __future__ import annotations

import asyncio

from entrypoints.settings import Settings
from tests.support.mail import mail_app, mail_settings, mails_to, smtp_server, token_of
from tests.support.organisations.members import URL, create_organisation, verified_user


async def test_an_invited_user_joins_with_the_role_and_the_owner_hands_over(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            owner_id, owner = await verified_user(container)
            grace_id, grace = await verified_user(container, "grace@example.com")
            made = await create_organisation(client, owner, "Tea Importers")
            url = f"{URL}/{made['id']}"

            invited = await client.post(
                f"{url}/invitations",
                json={"email": "Grace@Example.com", "role": "admin"},
                headers=owner,
            )
            pending = await client.get(f"{url}/invitations", headers=owner)
            [mail] = await mails_to(server, "Grace@Example.com")
            answer = {"token": token_of(mail)}
            accepted = await client.post(f"{URL}/invitations/accept", json=answer, headers=grace)
            again = await client.post(f"{URL}/invitations/accept", json=answer, headers=grace)
            after = await client.get(f"{url}/invitations", headers=owner)
            handed = await client.post(
                f"{url}/ownership", json={"user_id": grace_id}, headers=owner
            )
            left = await client.post(f"{url}/leave", headers=owner)
            members = await client.get(f"{url}/members", headers=grace)

    assert invited.status_code == 201, invited.text
    assert invited.json()["email"] == "Grace@Example.com"
    assert invited.json()["role"] == "admin"
    assert [i["id"] for i in pending.json()["items"]] == [invited.json()["id"]]
    assert mail.message["Subject"] == "You are invited to Tea Importers on Portico"
    assert "https://shop.example/organisation-invitation?token=" in mail.part("plain")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["my_role"] == "admin"
    assert again.status_code == 422
    assert again.json()["type"] == "/problems/invalid-invitation-token"
    assert after.json()["items"] == []
    assert handed.status_code == 200, handed.text
    assert handed.json()["my_role"] == "admin"
    assert left.status_code == 204
    assert [(m["user_id"], m["role"]) for m in members.json()["items"]] == [(grace_id, "owner")]
    assert owner_id != grace_id


async def test_a_declined_or_revoked_invitation_adds_nobody(settings: Settings) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            _, owner = await verified_user(container)
            _, grace = await verified_user(container, "grace@example.com")
            _, alan = await verified_user(container, "alan@example.com")
            made = await create_organisation(client, owner)
            url = f"{URL}/{made['id']}"
            for email in ("grace@example.com", "alan@example.com"):
                invited = await client.post(
                    f"{url}/invitations", json={"email": email}, headers=owner
                )
                assert invited.status_code == 201, invited.text
            [to_grace] = await mails_to(server, "grace@example.com")
            [to_alan] = await mails_to(server, "alan@example.com")
            alan_invitation = (await client.get(f"{url}/invitations", headers=owner)).json()[
                "items"
            ][1]["id"]

            declined = await client.post(
                f"{URL}/invitations/decline", json={"token": token_of(to_grace)}, headers=grace
            )
            revoked = await client.delete(f"{url}/invitations/{alan_invitation}", headers=owner)
            late = await client.post(
                f"{URL}/invitations/accept", json={"token": token_of(to_alan)}, headers=alan
            )
            members = await client.get(f"{url}/members", headers=owner)

    assert declined.status_code == 204
    assert revoked.status_code == 204
    assert late.status_code == 422
    assert len(members.json()["items"]) == 1


async def test_a_mail_server_outage_delays_the_invitation_but_loses_nothing(
    settings: Settings,
) -> None:
    with smtp_server() as server:
        async with mail_app(mail_settings(settings, server)) as (container, client):
            _, owner = await verified_user(container)
            _, grace = await verified_user(container, "grace@example.com")
            made = await create_organisation(client, owner)
            server.stop()  # the mail server goes away
            invited = await client.post(
                f"{URL}/{made['id']}/invitations",
                json={"email": "grace@example.com"},
                headers=owner,
            )
            await asyncio.sleep(0.3)  # the consumer tries, and fails, meanwhile
            server.start()  # and comes back: the consumer's retry sends the mail
            [mail] = await mails_to(server, "grace@example.com")
            accepted = await client.post(
                f"{URL}/invitations/accept", json={"token": token_of(mail)}, headers=grace
            )

    assert invited.status_code == 201  # answered while the server was down
    assert accepted.status_code == 200
    assert accepted.json()["my_role"] == "member"
