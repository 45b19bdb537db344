"""The organisation API over HTTP: status codes, headers and bodies."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.conftest import Client
from tests.api.organisations.conftest import EXPECTED, URL, create

OPTIONAL: list[str] = []


async def test_create_answers_201_with_location_etag_and_the_organisation(
    client: Client, body: dict[str, Any]
) -> None:
    response = await client.post(URL, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{URL}/{created['id']}"
    assert response.headers["etag"] == '"1"'
    assert {key: created[key] for key in EXPECTED} == EXPECTED
    assert created["version"] == 1
    assert (await client.get(f"{URL}/{created['id']}")).json() == created


async def test_optional_fields_may_be_left_out(client: Client, body: dict[str, Any]) -> None:
    required = {key: value for key, value in body.items() if key not in OPTIONAL}
    created = await create(client, required)
    assert all(created[key] is None for key in OPTIONAL)


async def test_an_unknown_organisation_is_a_404_problem(client: Client) -> None:
    response = await client.get(f"{URL}/{uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/organisation-not-found"


async def test_a_bad_body_is_a_422_problem(client: Client, body: dict[str, Any]) -> None:
    response = await client.post(URL, json={**body, "name": None, "unknown": 1})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_patch_changes_what_is_sent_and_a_stale_if_match_is_412(
    client: Client, body: dict[str, Any]
) -> None:
    created = await create(client, body)
    url = f"{URL}/{created['id']}"

    changed = await client.patch(url, json={"name": "Changed"}, headers={"If-Match": '"1"'})
    stale = await client.patch(url, json={"name": "Changed"}, headers={"If-Match": '"1"'})

    assert changed.status_code == 200, changed.text
    assert (changed.headers["etag"], changed.json()["name"]) == ('"2"', "Changed")
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/stale-version"


async def test_delete_answers_204_then_404(client: Client, body: dict[str, Any]) -> None:
    created = await create(client, body)
    url = f"{URL}/{created['id']}"
    assert (await client.delete(url, headers={"If-Match": '"7"'})).status_code == 412
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_list_pages_with_a_cursor(client: Client, body: dict[str, Any]) -> None:
    made = [(await create(client, body))["id"] for _ in range(3)]

    first = (await client.get(URL, params={"limit": 2})).json()
    second = (await client.get(URL, params={"limit": 2, "cursor": first["next_cursor"]})).json()

    assert [item["id"] for item in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None


async def test_writes_need_the_permission(app: Litestar, body: dict[str, Any]) -> None:
    async with AsyncTestClient(app) as anonymous:
        assert (await anonymous.post(URL, json=body)).status_code == 401
        assert (await anonymous.get(URL)).status_code == 200
