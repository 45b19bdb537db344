"""HTTP caching of product reads: ETag, If-None-Match -> 304, Cache-Control, and no stale read."""

from __future__ import annotations

import pytest

from entrypoints.container import Container
from tests.api.conftest import Client

NEW = {"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.20", "currency": "EUR"}}


@pytest.fixture
def client(staff_client: Client) -> Client:
    """Catalog writes need catalog:write: these tests run as staff."""
    return staff_client


async def create(client: Client) -> str:
    answer = await client.post("/api/v1/products", json=NEW)
    assert answer.status_code == 201
    product_id: str = answer.json()["id"]
    return product_id


async def test_a_product_read_carries_its_version_as_etag_and_public_revalidation(
    client: Client,
) -> None:
    product_id = await create(client)

    answer = await client.get(f"/api/v1/products/{product_id}")

    assert answer.status_code == 200
    assert answer.headers["etag"] == '"1"'
    assert set(answer.headers["cache-control"].replace(" ", "").split(",")) == {
        "public",
        "no-cache",
    }
    # Tenancy off: one catalog for everybody, whatever X-Organisation-Id says.
    assert "x-organisation-id" not in answer.headers.get("vary", "").lower()


@pytest.mark.parametrize("header", ['"1"', 'W/"1"', '"7", "1"', "*"])
async def test_if_none_match_with_the_current_tag_answers_304_without_a_body(
    client: Client, header: str
) -> None:
    product_id = await create(client)

    answer = await client.get(f"/api/v1/products/{product_id}", headers={"If-None-Match": header})

    assert answer.status_code == 304
    assert answer.content == b""
    assert answer.headers["etag"] == '"1"'


async def test_after_a_change_the_old_tag_gets_the_new_version(client: Client) -> None:
    product_id = await create(client)
    await client.get(f"/api/v1/products/{product_id}")  # now cached
    changed = await client.patch(f"/api/v1/products/{product_id}", json={"name": "Sencha"})
    assert changed.status_code == 200

    answer = await client.get(f"/api/v1/products/{product_id}", headers={"If-None-Match": '"1"'})

    assert answer.status_code == 200
    assert answer.headers["etag"] == '"2"'
    assert answer.json()["name"] == "Sencha"


async def test_the_first_page_reflects_a_write_that_returned(client: Client) -> None:
    product_id = await create(client)
    first = await client.get("/api/v1/products")
    assert first.json()["items"][0]["stock"] == 0
    assert "public" in first.headers["cache-control"]

    await client.post(f"/api/v1/products/{product_id}/stock-adjustments", json={"delta": 5})

    again = await client.get("/api/v1/products")
    assert again.json()["items"][0]["stock"] == 5


async def test_an_unknown_product_is_404_whatever_if_none_match_says(client: Client) -> None:
    answer = await client.get(
        "/api/v1/products/0190a000-0000-7000-8000-000000000000", headers={"If-None-Match": "*"}
    )

    assert answer.status_code == 404


async def test_a_deleted_product_is_gone_once_the_delete_returned(
    client: Client, container: Container
) -> None:
    product_id = await create(client)
    await client.get(f"/api/v1/products/{product_id}")
    assert container.platform.read_through().loads_in_flight == 0

    assert (await client.delete(f"/api/v1/products/{product_id}")).status_code == 204

    assert (await client.get(f"/api/v1/products/{product_id}")).status_code == 404
