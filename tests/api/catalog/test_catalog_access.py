"""Catalog writes need catalog:write (staff, admin); reads stay public."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.auth import auth_headers

Client = AsyncTestClient[Litestar]
PRODUCT = {"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.50", "currency": "EUR"}}


async def create_product(client: Client, container: Container) -> str:
    response = await client.post(
        "/api/v1/products", json=PRODUCT, headers=await auth_headers(container, "staff")
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def test_reads_need_no_token(client: Client, container: Container) -> None:
    product_id = await create_product(client, container)
    assert (await client.get("/api/v1/products")).status_code == 200
    assert (await client.get(f"/api/v1/products/{product_id}")).status_code == 200


@pytest.mark.parametrize("role", ["staff", "admin"])
async def test_staff_and_admins_write(client: Client, container: Container, role: str) -> None:
    headers = await auth_headers(container, role)
    created = await client.post("/api/v1/products", json=PRODUCT, headers=headers)
    assert created.status_code == 201
    path = f"/api/v1/products/{created.json()['id']}"
    assert (await client.patch(path, json={"name": "Tea"}, headers=headers)).status_code == 200
    adjusted = await client.post(f"{path}/stock-adjustments", json={"delta": 3}, headers=headers)
    assert adjusted.status_code == 200
    assert (await client.delete(path, headers=headers)).status_code == 204


async def test_writes_without_a_token_are_401_with_www_authenticate(
    client: Client, container: Container
) -> None:
    product_id = await create_product(client, container)
    path = f"/api/v1/products/{product_id}"
    for response in (
        await client.post("/api/v1/products", json=PRODUCT),
        await client.patch(path, json={"name": "x"}),
        await client.delete(path),
        await client.post(f"{path}/stock-adjustments", json={"delta": 1}),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"


async def test_customers_cannot_write(client: Client, container: Container) -> None:
    product_id = await create_product(client, container)
    headers = await auth_headers(container, "customer")
    path = f"/api/v1/products/{product_id}"
    for response in (
        await client.post("/api/v1/products", json={**PRODUCT, "sku": "TEA-2"}, headers=headers),
        await client.patch(path, json={"name": "x"}, headers=headers),
        await client.delete(path, headers=headers),
        await client.post(f"{path}/stock-adjustments", json={"delta": 1}, headers=headers),
    ):
        assert response.status_code == 403
        assert response.json()["type"] == "/problems/forbidden"
        assert "catalog:write" in response.json()["detail"]
    assert (await client.get(path)).json()["name"] == "Green tea"


async def test_a_forbidden_write_is_403_before_its_body_is_read(
    client: Client, container: Container
) -> None:
    headers = await auth_headers(container, "customer")
    response = await client.post("/api/v1/products", content=b"{not json", headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/forbidden"


async def test_authenticated_requests_read_no_identity_store(settings: Settings) -> None:
    """Authentication is CPU only: the user store is not opened per request (docs/identity.md)."""
    container = build_container(settings)
    opened: list[bool] = []
    store = MemoryIdentityStore()

    def counting_uow(*, read_only: bool = False) -> MemoryIdentityUnitOfWork:
        opened.append(read_only)
        return MemoryIdentityUnitOfWork(store, read_only=read_only)

    container.identity.uow.override(providers.Factory(counting_uow))
    async with AsyncTestClient(create_app(container)) as client:
        headers = await auth_headers(container, "staff")
        assert opened  # the counter sees the store being used: registration opened it
        opened.clear()
        for n in range(5):
            product = {**PRODUCT, "sku": f"TEA-{n}"}
            assert (
                await client.post("/api/v1/products", json=product, headers=headers)
            ).status_code == 201
        assert opened == []
