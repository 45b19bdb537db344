"""The catalog over HTTP: status codes, headers and bodies as the API promises them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.api.conftest import Client, create


@pytest.fixture
def client(staff_client: Client) -> Client:
    """Catalog writes need catalog:write: these tests run as staff."""
    return staff_client


async def test_create_answers_201_with_location_etag_and_the_product(
    client: Client, new_product: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/products", json=new_product)

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/products/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["sku"] == "TEA-GREEN-100"
    assert body["price"] == {"amount": "12.50", "currency": "EUR"}
    assert (body["stock"], body["version"]) == (10, 1)
    assert body["created_at"] == body["updated_at"]
    assert set(body) == {
        "id",
        "sku",
        "name",
        "description",
        "price",
        "stock",
        "version",
        "created_at",
        "updated_at",
    }


async def test_get_returns_the_product_with_its_version_as_etag(
    client: Client, new_product: dict[str, Any]
) -> None:
    created = await create(client, new_product)
    response = await client.get(f"/api/v1/products/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_an_unknown_product_is_a_404_problem(client: Client) -> None:
    missing = uuid4()
    response = await client.get(f"/api/v1/products/{missing}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/product-not-found"
    assert str(missing) in problem["detail"]


async def test_patch_changes_only_what_is_sent(client: Client, new_product: dict[str, Any]) -> None:
    created = await create(client, new_product)
    response = await client.patch(
        f"/api/v1/products/{created['id']}",
        json={"price": {"amount": "9", "currency": "USD"}},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["price"] == {"amount": "9.00", "currency": "USD"}
    assert (body["name"], body["version"]) == (new_product["name"], 2)
    assert response.headers["etag"] == '"2"'


async def test_a_stale_if_match_is_412_and_changes_nothing(
    client: Client, new_product: dict[str, Any]
) -> None:
    created = await create(client, new_product)
    url = f"/api/v1/products/{created['id']}"
    await client.patch(url, json={"name": "First"}, headers={"If-Match": '"1"'})

    for if_match in ('"1"', 'W/"1"', "garbage"):
        response = await client.patch(url, json={"name": "Second"}, headers={"If-Match": if_match})
        assert response.status_code == 412, if_match
        assert response.json()["type"] == "/problems/stale-version"
    assert (await client.get(url)).json()["name"] == "First"


async def test_a_duplicate_sku_is_409(client: Client, new_product: dict[str, Any]) -> None:
    await create(client, new_product)
    other = await create(client, {**new_product, "sku": "other-1"})

    again = await client.post("/api/v1/products", json=new_product)
    taken = await client.patch(f"/api/v1/products/{other['id']}", json={"sku": new_product["sku"]})

    for response in (again, taken):
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/duplicate-sku"


async def test_delete_answers_204_then_404(client: Client, new_product: dict[str, Any]) -> None:
    created = await create(client, new_product)
    url = f"/api/v1/products/{created['id']}"
    assert (await client.delete(url, headers={"If-Match": '"7"'})).status_code == 412
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url)).status_code == 404


async def test_stock_adjustments_never_go_below_zero(
    client: Client, new_product: dict[str, Any]
) -> None:
    created = await create(client, new_product)
    url = f"/api/v1/products/{created['id']}/stock-adjustments"

    added = await client.post(url, json={"delta": 5, "reason": "delivery"})
    too_many = await client.post(url, json={"delta": -16})

    assert added.status_code == 200
    assert added.json()["stock"] == 15
    assert too_many.status_code == 409
    assert too_many.json()["type"] == "/problems/insufficient-stock"
    assert (await client.get(f"/api/v1/products/{created['id']}")).json()["stock"] == 15


async def test_list_pages_with_a_cursor_and_searches(
    client: Client, new_product: dict[str, Any]
) -> None:
    for i in range(5):
        await create(client, {**new_product, "sku": f"sku-{i}", "name": f"Tea {i}"})
    await create(client, {**new_product, "sku": "coffee", "name": "Coffee"})

    first = (await client.get("/api/v1/products", params={"limit": 4})).json()
    second = (
        await client.get("/api/v1/products", params={"limit": 4, "cursor": first["next_cursor"]})
    ).json()
    found = (await client.get("/api/v1/products", params={"search": "coff"})).json()

    assert [p["sku"] for p in first["items"]] == ["SKU-0", "SKU-1", "SKU-2", "SKU-3"]
    assert [p["sku"] for p in second["items"]] == ["SKU-4", "COFFEE"]
    assert second["next_cursor"] is None
    assert [p["sku"] for p in found["items"]] == ["COFFEE"]
