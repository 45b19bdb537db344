"""The ordering routes' query parameters: read as strictly as the OpenAPI document states them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
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
