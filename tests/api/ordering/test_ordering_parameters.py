"""The ordering routes' query parameters: read as strictly as the OpenAPI document states them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def test_the_status_filter_is_an_enum(client: Client) -> None:
    document: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    status = next(
        p for p in document["paths"]["/api/v1/orders"]["get"]["parameters"] if p["name"] == "status"
    )
    assert {"$ref": "#/components/schemas/OrderStatus"} in status["schema"]["oneOf"]
    statuses = document["components"]["schemas"]["OrderStatus"]["enum"]
    assert set(statuses) == {"placed", "paid", "shipped", "cancelled"}


async def test_date_times_are_rfc_3339_only(admin_client: Client) -> None:
    # Litestar's lenient conversion took a number as a Unix time.
    for moment in ("0.5", "2026-01-31T12:00:00"):  # a number; no offset
        response = await admin_client.get("/api/v1/orders", params={"placed_from": moment})
        assert response.status_code == 422, moment
        assert response.json()["errors"][0]["field"] == "placed_from"
    fine = await admin_client.get("/api/v1/orders", params={"placed_from": "2026-01-31T12:00:00Z"})
    assert fine.status_code == 200, fine.text


def test_placing_an_order_parses_no_header_yet_documents_the_key(app: Litestar) -> None:
    # Idempotency-Key is found in the raw headers: as a parameter, Litestar built the request's
    # Headers for it on every order (the tenant's header is not read with tenancy off either).
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.path == "/api/v1/orders")
    _, model = route.route_handler_map["POST"]
    assert not model.expected_header_params
    operation = app.openapi_schema.to_schema()["paths"]["/api/v1/orders"]["post"]
    names = [p["name"] for p in operation["parameters"]]
    assert names == ["X-Organisation-Id", "Idempotency-Key"]
