from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.support.auth import auth_headers, bearer, create_user

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def admin_client(app: Litestar, container: Container) -> AsyncIterator[Client]:
    """A client signed in as an administrator; its user id is in `client.user_id`."""
    async with AsyncTestClient(app) as client:
        user_id = await create_user(container, "admin")
        client.headers.update(bearer(container, user_id, "admin"))
        client.user_id = user_id  # type: ignore[attr-defined]
        yield client


@pytest.fixture
async def staff_client(app: Litestar, container: Container) -> AsyncIterator[Client]:
    """A client signed in as staff, who may write the catalog."""
    async with AsyncTestClient(app) as client:
        client.headers.update(await auth_headers(container, "staff"))
        yield client


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
