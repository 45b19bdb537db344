"""Cross-tenant attacks on the catalog over HTTP (issue 17, items 3 and 4): with tenancy on,
each organisation has its own catalog; a member of another organisation who knows a product's id
gets 404 for every route on it, lists and searches nothing of it, and cannot order it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings, TenancySettings
from tests.support.mail import mail_app, now_clock
from tests.support.organisations.members import create_organisation, verified_user

Client = AsyncTestClient[Litestar]
PRODUCTS = "/api/v1/products"
ORDERS = "/api/v1/orders"


@pytest.fixture
async def tenancy(settings: Settings) -> AsyncIterator[tuple[Container, Client]]:
    on = msgspec.structs.replace(
        settings, tenancy=TenancySettings(enabled=True, requests_per_minute=1000)
    )
    async with mail_app(on, now_clock()) as (container, client):
        yield container, client


def acting(headers: dict[str, str], organisation_id: object) -> dict[str, str]:
    return {**headers, "X-Organisation-Id": str(organisation_id)}


async def staff_with_organisation(
    container: Container, client: Client, name: str
) -> dict[str, str]:
    """A staff member (catalog:write, orders:create) owning a new organisation: their headers
    acting within it."""
    _, headers = await verified_user(container, None, "staff")
    organisation = await create_organisation(client, headers, name)
    return acting(headers, organisation["id"])


@pytest.fixture
async def two(tenancy: tuple[Container, Client]) -> tuple[Client, dict[str, str], dict[str, str]]:
    """The client, and the headers of staff acting within organisation A and within B."""
    container, client = tenancy
    a = await staff_with_organisation(container, client, "A")
    b = await staff_with_organisation(container, client, "B")
    return client, a, b


def tea(sku: str = "TEA-1") -> dict[str, Any]:
    return {"sku": sku, "name": "Green tea", "price": {"amount": "4.20", "currency": "EUR"}}


async def test_another_organisations_product_is_not_found_by_any_route(
    two: tuple[Client, dict[str, str], dict[str, str]],
) -> None:
    client, a, b = two
    created = await client.post(PRODUCTS, json={**tea(), "stock": 5}, headers=a)
    assert created.status_code == 201, created.text
    url = f"{PRODUCTS}/{created.json()['id']}"

    attempts = [
        await client.get(url, headers=b),
        await client.patch(url, json={"name": "Hijacked"}, headers=b),
        await client.post(f"{url}/stock-adjustments", json={"delta": -5}, headers=b),
        await client.delete(url, headers=b),
    ]

    for refused in attempts:
        assert refused.status_code == 404, refused.text
        assert refused.json()["type"] == "/problems/product-not-found"
    kept = await client.get(url, headers=a)
    assert kept.status_code == 200
    assert (kept.json()["name"], kept.json()["stock"], kept.json()["version"]) == (
        "Green tea",
        5,
        1,
    )


async def test_another_organisations_list_and_search_are_empty_and_skus_are_its_own(
    two: tuple[Client, dict[str, str], dict[str, str]],
) -> None:
    client, a, b = two
    assert (await client.post(PRODUCTS, json=tea(), headers=a)).status_code == 201
    a_page = await client.get(PRODUCTS, params={"limit": 20}, headers=a)  # cached for A

    b_lists = [
        await client.get(PRODUCTS, params={"limit": 20}, headers=b),
        await client.get(PRODUCTS, params={"search": "tea"}, headers=b),
    ]
    # B may use A's sku: it is unique within an organisation, not across them.
    b_tea = await client.post(PRODUCTS, json=tea(), headers=b)

    assert [item["name"] for item in a_page.json()["items"]] == ["Green tea"]
    for listed in b_lists:
        assert listed.status_code == 200
        assert listed.json() == {"items": [], "next_cursor": None}
    assert b_tea.status_code == 201, b_tea.text
    assert b_tea.json()["id"] != a_page.json()["items"][0]["id"]


async def test_an_order_cannot_take_another_organisations_product(
    two: tuple[Client, dict[str, str], dict[str, str]],
) -> None:
    client, a, b = two
    created = await client.post(PRODUCTS, json={**tea(), "stock": 5}, headers=a)
    product_id = created.json()["id"]

    order = {"lines": [{"product_id": product_id, "quantity": 1}]}
    refused = await client.post(ORDERS, json=order, headers=b)

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "lines[0].product_id"
    assert (await client.get(f"{PRODUCTS}/{product_id}", headers=a)).json()["stock"] == 5


async def test_with_tenancy_on_an_anonymous_caller_reads_no_catalog(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    a = await staff_with_organisation(container, client, "A")
    assert (await client.post(PRODUCTS, json=tea(), headers=a)).status_code == 201

    anonymous = await client.get(PRODUCTS, headers={"X-Organisation-Id": a["X-Organisation-Id"]})

    assert anonymous.status_code == 401
