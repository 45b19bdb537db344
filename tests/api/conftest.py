from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


@pytest.fixture
def new_product() -> dict[str, Any]:
    return {
        "sku": "tea-green-100",
        "name": "Green tea, 100 g",
        "description": "Loose leaf",
        "price": {"amount": "12.50", "currency": "EUR"},
        "stock": 10,
    }


async def create(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/products", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
