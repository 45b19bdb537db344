"""Every error is RFC 9457 problem+json with a stable type, and loses nothing it was sent."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from application.catalog.get_product import GetProduct
from application.catalog.views import ProductView
from application.shared.read_through import Cached
from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.api.conftest import Client


@pytest.fixture
def client(staff_client: Client) -> Client:
    """Catalog writes need catalog:write: these tests run as staff."""
    return staff_client


PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == type_
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


# What the OpenAPI document states is refused while parsing (validation-failed), the catalog's
# rules included (they are in the schema); the domain checks them again for its other callers.
SHAPE = "/problems/validation-failed"


@pytest.mark.parametrize(
    ("change", "field", "type_"),
    [
        ({"sku": "x"}, "sku", SHAPE),
        ({"name": ""}, "name", SHAPE),
        ({"price": {"amount": 12.5, "currency": "EUR"}}, "price.amount", SHAPE),
        ({"price": {"amount": "12.505", "currency": "EUR"}}, "price.amount", SHAPE),
        ({"price": {"amount": "-1", "currency": "EUR"}}, "price.amount", SHAPE),
        ({"price": {"amount": "1", "currency": "QQQ"}}, "price.currency", SHAPE),
        ({"price": {"amount": "1"}}, "price.currency", SHAPE),
        ({"stock": -2}, "stock", SHAPE),
        ({"colour": "green"}, "colour", SHAPE),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: Client, new_product: dict[str, Any], change: dict[str, Any], field: str, type_: str
) -> None:
    response = await client.post("/api/v1/products", json={**new_product, **change})
    body = assert_problem(response, 422, type_)
    assert [error["field"] for error in body["errors"]] == [field]
    assert all(error["message"] for error in body["errors"])
    assert not [error for error in body["errors"] if "regex" in error["message"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"sku": "-TEA"},
            "Expected 3 to 32 letters, digits or hyphens, a letter or digit at each end",
        ),
        (
            {"name": "  "},
            "Expected one line of text, not blank, without control characters but tabs",
        ),
        (
            {"price": {"amount": "1", "currency": "QQQ"}},
            "Expected an ISO 4217 currency code, such as EUR",
        ),
        (
            {"price": {"amount": "1.234", "currency": "EUR"}},
            'Expected a decimal number as a string, at most two places: "12.50"',
        ),
    ],
)
async def test_a_value_its_pattern_refuses_is_said_in_words(
    client: Client, new_product: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    """Not msgspec's "Expected `str` matching regex '...'" (every ISO 4217 code, for a currency):
    what the pattern means (entrypoints/http/patterns.py)."""
    response = await client.post("/api/v1/products", json={**new_product, **change})
    body = assert_problem(response, 422, SHAPE)
    assert [error["message"] for error in body["errors"]] == [message]


async def test_a_missing_field_is_named(client: Client, new_product: dict[str, Any]) -> None:
    del new_product["price"]
    body = assert_problem(
        await client.post("/api/v1/products", json=new_product), 422, "/problems/validation-failed"
    )
    assert body["errors"][0]["field"] == "price"


async def test_null_in_a_patch_is_refused_not_ignored(
    client: Client, new_product: dict[str, Any]
) -> None:
    created = (await client.post("/api/v1/products", json=new_product)).json()
    response = await client.patch(f"/api/v1/products/{created['id']}", json={"name": None})
    body = assert_problem(response, 422, "/problems/validation-failed")
    assert body["errors"][0]["field"] == "name"


async def test_malformed_json_is_a_400_problem(client: Client) -> None:
    response = await client.post(
        "/api/v1/products", content=b'{"sku": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400, "/problems/bad-request")
    assert "truncated" in body["detail"]


async def test_a_bad_query_parameter_is_422(client: Client) -> None:
    body = assert_problem(
        await client.get("/api/v1/products", params={"limit": 500}),
        422,
        "/problems/validation-failed",
    )
    assert body["errors"][0]["field"] == "limit"


async def test_a_cursor_this_api_did_not_return_is_422_in_words(client: Client) -> None:
    body = assert_problem(
        await client.get("/api/v1/products", params={"cursor": "not/one"}),
        422,
        "/problems/validation-failed",
    )
    assert body["errors"] == [
        {"field": "cursor", "message": "Expected a `next_cursor` this API returned", "in": "query"}
    ]


async def test_an_unknown_route_is_a_404_problem(client: Client) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404, "/problems/route-not-found")


async def test_a_path_that_is_not_a_uuid_is_not_found(client: Client) -> None:
    assert_problem(
        await client.get("/api/v1/products/not-a-uuid"), 404, "/problems/route-not-found"
    )


async def test_a_wrong_method_is_a_405_problem(client: Client) -> None:
    response = await client.put("/api/v1/products", json={})
    assert_problem(response, 405, "/problems/method-not-allowed")
    assert "GET" in response.headers["allow"]


async def test_a_body_over_the_limit_is_413(client: Client, new_product: dict[str, Any]) -> None:
    huge = {**new_product, "description": "x" * 2_000_000}
    assert_problem(
        await client.post("/api/v1/products", json=huge), 413, "/problems/payload-too-large"
    )


class Broken(Cached[GetProduct, ProductView]):
    def __init__(self) -> None:
        """Nothing behind it: every call fails."""

    async def __call__(self, query: GetProduct) -> ProductView:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")


async def test_an_unexpected_error_is_500_with_request_id_and_no_trace(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    with container.catalog.get_product.override(providers.Singleton(Broken)):
        app: Litestar = create_app(container)
        async with AsyncTestClient(app) as client:
            response = await client.get(
                "/api/v1/products/00000000-0000-0000-0000-000000000001",
                headers={"X-Request-ID": "trace-me-123"},
            )
    body = assert_problem(response, 500, "/problems/internal-error")
    assert body["request_id"] == "trace-me-123"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    logged = capsys.readouterr().out
    assert "trace-me-123" in logged
    assert "RuntimeError" in logged
