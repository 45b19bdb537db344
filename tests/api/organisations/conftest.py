"""The organisation API tests' fixtures: a staff client, a valid body, and `create`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Client

URL = "/api/v1/organisations"


@pytest.fixture
def client(staff_client: Client) -> Client:
    """Writes need organisation:write: these tests run as staff."""
    return staff_client


@pytest.fixture
def body() -> dict[str, Any]:
    return {
        "name": "Sample",
    }


EXPECTED = {
    "name": "Sample",
}


async def create(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
