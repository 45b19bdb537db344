"""The organisations API: create, read with an ETag, rename with If-Match, members and their
roles, leaving, ownership, and the platform admin's view of every organisation."""

from __future__ import annotations

from entrypoints.container import Container
from tests.api.conftest import Client
from tests.support.organisations.members import URL, create_organisation, verified_user


async def test_create_read_rename_with_etags(client: Client, container: Container) -> None:
    owner_id, owner = await verified_user(container)
    made = await create_organisation(client, owner, "  Tea Importers  ")
    url = f"{URL}/{made['id']}"

    read = await client.get(url, headers=owner)
    stale = await client.patch(url, json={"name": "Coffee"}, headers={**owner, "If-Match": '"7"'})
    renamed = await client.patch(
        url, json={"name": "Coffee"}, headers={**owner, "If-Match": read.headers["ETag"]}
    )
    members = await client.get(f"{url}/members", headers=owner)

    assert made["name"] == "Tea Importers"
    assert made["my_role"] == "owner"
    assert made["members"] == 1
    assert read.status_code == 200
    assert read.headers["ETag"] == '"1"'
    assert stale.status_code == 412
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Coffee"
    assert renamed.headers["ETag"] == '"2"'
    assert members.json() == {
        "items": [{"user_id": owner_id, "role": "owner", "joined_at": made["created_at"]}],
        "next_cursor": None,
    }


async def test_my_organisations_come_a_page_at_a_time(client: Client, container: Container) -> None:
    _, owner = await verified_user(container)
    _, other = await verified_user(container)
    made = [await create_organisation(client, owner, f"Org {i}") for i in range(3)]
    await create_organisation(client, other, "Not mine")

    first = (await client.get(URL, params={"limit": 2}, headers=owner)).json()
    rest = (
        await client.get(URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner)
    ).json()

    assert [o["id"] for o in first["items"] + rest["items"]] == [o["id"] for o in made]
    assert rest["next_cursor"] is None


async def test_a_platform_admin_lists_every_organisation_others_get_403(
    admin_client: Client, container: Container
) -> None:
    _, owner = await verified_user(container)
    made = await create_organisation(admin_client, owner)  # the owner's header wins

    every = await admin_client.get(URL, params={"all": "true"})
    refused = await admin_client.get(URL, params={"all": "true"}, headers=owner)

    assert [o["id"] for o in every.json()["items"]] == [made["id"]]
    assert every.json()["items"][0]["my_role"] is None
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/forbidden"


async def test_the_last_owner_cannot_leave_be_demoted_or_removed(
    client: Client, container: Container
) -> None:
    owner_id, owner = await verified_user(container)
    made = await create_organisation(client, owner)
    url = f"{URL}/{made['id']}"

    left = await client.post(f"{url}/leave", headers=owner)
    demoted = await client.put(
        f"{url}/members/{owner_id}/role", json={"role": "admin"}, headers=owner
    )
    removed = await client.delete(f"{url}/members/{owner_id}", headers=owner)

    for response in (left, demoted, removed):
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/last-owner"


async def test_a_bad_body_names_the_field(client: Client, container: Container) -> None:
    owner_id, owner = await verified_user(container)
    made = await create_organisation(client, owner)

    empty = await client.post(URL, json={"name": ""}, headers=owner)
    role = await client.put(
        f"{URL}/{made['id']}/members/{owner_id}/role", json={"role": "emperor"}, headers=owner
    )
    email = await client.post(
        f"{URL}/{made['id']}/invitations", json={"email": "nobody"}, headers=owner
    )

    for response, field in ((empty, "name"), (role, "role"), (email, "email")):
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_deleting_needs_the_owner_and_answers_404_afterwards(
    client: Client, container: Container
) -> None:
    _, owner = await verified_user(container)
    made = await create_organisation(client, owner)
    url = f"{URL}/{made['id']}"

    deleted = await client.delete(url, headers={**owner, "If-Match": '"1"'})
    after = await client.get(url, headers=owner)

    assert deleted.status_code == 204
    assert after.status_code == 404
    assert after.json()["type"] == "/problems/organisation-not-found"


async def test_signing_in_is_needed(client: Client) -> None:
    response = await client.get(URL)
    assert response.status_code == 401
