"""PATCH /api/v1/users/{id} refuses to leave no active administrator: 409 /problems/last-admin."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from tests.support.auth import bearer, create_user

Client = AsyncTestClient[Litestar]


async def test_the_last_admin_cannot_be_demoted_by_anyone(
    client: Client, container: Container
) -> None:
    root = await create_user(container, "admin")
    as_root = bearer(container, root, "admin")

    own = await client.patch(f"/api/v1/users/{root}", json={"roles": ["staff"]}, headers=as_root)

    assert own.status_code == 409
    assert own.headers["content-type"].startswith("application/problem+json")
    assert own.json()["type"] == "/problems/last-admin"

    # With a second administrator, stepping down is fine; then the second one is the last.
    second = await create_user(container, "admin")
    as_second = bearer(container, second, "admin")
    stepped = await client.patch(
        f"/api/v1/users/{root}", json={"roles": ["staff"]}, headers=as_root
    )
    assert stepped.status_code == 200
    # An administrator without a local account (say, from an identity provider) is refused too.
    outsider = bearer(container, "00000000-0000-7000-8000-00000000beef", "admin")
    refused = await client.patch(
        f"/api/v1/users/{second}", json={"active": False}, headers=outsider
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/last-admin"
    own_again = await client.patch(
        f"/api/v1/users/{second}", json={"roles": ["customer"]}, headers=as_second
    )
    assert own_again.status_code == 409
    assert own_again.json()["type"] == "/problems/last-admin"
