"""Signed-in callers for API tests: a user with the roles you name, and its Authorization header.

    headers = await auth_headers(container, "staff")
    await client.post("/api/v1/products", json=..., headers=headers)

`container` is the test's Container (tests/conftest.py builds it from Settings(persistence="memory",
...)); the app under test must be built from the same container, so it trusts the same keys and
sees the same users.
"""

from __future__ import annotations

import secrets

from application.identity.ports import AccessGrant
from application.identity.register_user import RegisterUser
from domain.identity.roles import parse_roles
from entrypoints.container import Container

TEST_PASSWORD = "correct horse battery staple, test only"


async def create_user(container: Container, *roles: str, email: str | None = None) -> str:
    """Register a user with these roles (default: customer); returns its id."""
    view = await container.identity.register_user()(
        RegisterUser(
            email=email or f"user-{secrets.token_hex(6)}@example.com",
            password=TEST_PASSWORD,
            roles=parse_roles(roles or ("customer",)),
        )
    )
    return str(view.id)


def bearer(
    container: Container, user_id: str, *roles: str, access_version: int = 1
) -> dict[str, str]:
    """An Authorization header with a fresh access token for this user."""
    token = container.identity.token_issuer().issue(
        AccessGrant(subject=user_id, roles=parse_roles(roles), access_version=access_version)
    )
    return {"Authorization": f"Bearer {token.value}"}


async def auth_headers(
    container: Container, *roles: str, email: str | None = None
) -> dict[str, str]:
    """Create a user with these roles (default: customer) and return its Authorization header."""
    roles = roles or ("customer",)
    user_id = await create_user(container, *roles, email=email)
    return bearer(container, user_id, *roles)
