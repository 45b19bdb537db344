"""Key facts of the OpenAPI document, checked directly: cheaper than the fuzz tier (tests/fuzz),
and a regression names the fact it broke."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.conftest import create

Client = AsyncTestClient[Litestar]
PROBLEM = "application/problem+json"


@pytest.fixture
async def document(client: Client) -> dict[str, Any]:
    found: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    return found


def test_request_bodies_are_required_and_login_lists_both_of_its_own(
    document: dict[str, Any],
) -> None:
    login = document["paths"]["/api/v1/auth/login"]["post"]["requestBody"]
    assert login["required"] is True
    assert set(login["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    assert document["paths"]["/api/v1/products"]["post"]["requestBody"]["required"] is True


def test_bodies_that_refuse_unknown_fields_say_so(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("NewProduct", "ProductChanges", "MoneyBody", "StockAdjustment", "Credentials"):
        assert schemas[name]["additionalProperties"] is False, name
    assert "additionalProperties" not in schemas["PasswordForm"]  # a form may carry more


def test_the_statuses_every_route_implies_are_documented_as_problems(
    document: dict[str, Any],
) -> None:
    paths = document["paths"]
    delete = paths["/api/v1/products/{product_id}"]["delete"]["responses"]
    assert {"401", "403", "404", "412", "503"} <= set(delete)
    assert PROBLEM in delete["412"]["content"]
    assert "Retry-After" in delete["503"]["headers"]
    adjust = paths["/api/v1/products/{product_id}/stock-adjustments"]["post"]["responses"]
    assert {"400", "412", "413", "422"} <= set(adjust)
    assert PROBLEM in adjust["400"]["content"]  # a malformed JSON body
    stats = paths["/api/v1/messaging/stats"]["get"]
    assert {"401", "403"} <= set(stats["responses"])
    assert stats["security"] == [{"BearerToken": []}]
    assert "429" in paths["/api/v1/auth/login"]["post"]["responses"]
    assert "401" not in paths["/api/v1/products"]["get"]["responses"]  # a public read


def test_the_rules_the_server_enforces_are_in_the_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    currency = schemas["MoneyBody"]["properties"]["currency"]
    assert "EUR" in currency["enum"]
    assert "AAA" not in currency["enum"]
    assert schemas["StockAdjustment"]["properties"]["delta"]["not"] == {"const": 0}
    assert schemas["NewAccount"]["properties"]["password"]["minLength"] == 12
    assert schemas["NewProduct"]["properties"]["description"]["maxLength"] == 2000
    cursor = next(
        p
        for p in document["paths"]["/api/v1/products"]["get"]["parameters"]
        if p["name"] == "cursor"
    )
    assert "Opaque" in cursor["description"]


async def test_options_names_every_method_of_the_path(client: Client) -> None:
    response = await client.options("/api/v1/products")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"


async def test_bodies_are_read_as_strictly_as_the_schema_says(
    staff_client: Client, new_product: dict[str, Any]
) -> None:
    lenient = await staff_client.post("/api/v1/products", json={**new_product, "stock": "5"})
    assert lenient.status_code == 422
    assert lenient.json()["errors"][0]["field"] == "stock"
    # JSON has numbers: 5.0 is an integer to JSON Schema, so to us.
    whole = await staff_client.post("/api/v1/products", json={**new_product, "stock": 5.0})
    assert whole.status_code == 201, whole.text
    zero = await staff_client.post(
        f"/api/v1/products/{whole.json()['id']}/stock-adjustments", json={"delta": 0}
    )
    assert zero.status_code == 422


async def test_a_single_valued_parameter_given_twice_is_refused(staff_client: Client) -> None:
    await create(
        staff_client, {"sku": "TEA-1", "name": "Tea", "price": {"amount": "1", "currency": "EUR"}}
    )
    response = await staff_client.get("/api/v1/products?limit=1&limit=2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
