"""Members for the organisations' API and security tests: signed-in users whose address is
verified (as invitations need), and an organisation made through the API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.support.auth import bearer, create_user

Client = AsyncTestClient[Litestar]
URL = "/api/v1/organisations"


async def verified_user(
    container: Container, email: str | None = None, *roles: str
) -> tuple[str, dict[str, str]]:
    """A user (default: a customer) whose address is verified: its id and its Authorization
    header."""
    user_id = await create_user(container, *roles, email=email)
    async with container.identity.uow() as uow:
        user = await uow.users.get(UUID(user_id))
        assert user is not None
        user.verify_email(container.platform.clock().now())
        await uow.users.update(user)
        await uow.commit()
    return user_id, bearer(container, user_id, *roles)


async def create_organisation(
    client: Client, headers: dict[str, str], name: str = "Tea Importers"
) -> dict[str, Any]:
    response = await client.post(URL, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
