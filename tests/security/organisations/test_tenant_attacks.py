"""Attacks on the tenant context (docs/tenancy.md): a member of one organisation naming another
in X-Organisation-Id, a forged or malformed header, and one organisation using up the request
budget of the others."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings, TenancySettings
from tests.support.auth import bearer, create_user
from tests.support.mail import mail_app, now_clock
from tests.support.organisations.members import create_organisation, verified_user

Client = AsyncTestClient[Litestar]
TENANT = "/api/v1/tenant"
PER_MINUTE = 3


@pytest.fixture
async def tenancy(settings: Settings) -> AsyncIterator[tuple[Container, Client]]:
    # A clock held still: the whole test falls in one rate-limit window.
    on = msgspec.structs.replace(
        settings, tenancy=TenancySettings(enabled=True, requests_per_minute=PER_MINUTE)
    )
    async with mail_app(on, now_clock()) as (container, client):
        yield container, client


def acting(headers: dict[str, str], organisation_id: object) -> dict[str, str]:
    return {**headers, "X-Organisation-Id": str(organisation_id)}


async def test_a_member_acts_within_their_organisation_and_nowhere_else(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    _, alice = await verified_user(container)
    _, bob = await verified_user(container)
    a = (await create_organisation(client, alice, "A"))["id"]
    b = (await create_organisation(client, bob, "B"))["id"]

    own = await client.get(TENANT, headers=acting(alice, a))
    other = await client.get(TENANT, headers=acting(alice, b))
    unknown = await client.get(TENANT, headers=acting(alice, uuid.uuid4()))

    assert own.status_code == 200
    assert own.json() == {"organisation_id": a, "role": "owner"}
    # Another's organisation and one that does not exist answer alike: nothing is learnt.
    for refused in (other, unknown):
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"] == "/problems/organisation-not-found"


async def test_a_missing_or_malformed_header_is_refused_naming_it(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    _, alice = await verified_user(container)

    for headers in (alice, acting(alice, "not-a-uuid"), acting(alice, "")):
        refused = await client.get(TENANT, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"] == "/problems/invalid-value"
        assert refused.json()["errors"][0]["field"] == "X-Organisation-Id"


async def test_an_anonymous_caller_or_an_external_token_gets_no_tenant(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    _, alice = await verified_user(container)
    a = (await create_organisation(client, alice, "A"))["id"]
    a_user = await create_user(container)

    anonymous = await client.get(TENANT, headers={"X-Organisation-Id": a})
    stranger = await client.get(TENANT, headers=acting(bearer(container, a_user), a))

    assert anonymous.status_code == 401
    assert stranger.status_code == 404


async def test_one_organisation_at_its_limit_does_not_limit_another(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    _, alice = await verified_user(container)
    _, bob = await verified_user(container)
    a = (await create_organisation(client, alice, "A"))["id"]
    b = (await create_organisation(client, bob, "B"))["id"]

    within = [await client.get(TENANT, headers=acting(alice, a)) for _ in range(PER_MINUTE)]
    beyond = await client.get(TENANT, headers=acting(alice, a))
    other = await client.get(TENANT, headers=acting(bob, b))

    assert [r.status_code for r in within] == [200] * PER_MINUTE
    assert beyond.status_code == 429
    assert beyond.json()["type"] == "/problems/tenant-rate-limited"
    assert 1 <= int(beyond.headers["Retry-After"]) <= 60
    assert other.status_code == 200


async def test_with_tenancy_off_the_header_is_ignored(client: Client, container: Container) -> None:
    _, alice = await verified_user(container)

    answered = await client.get(TENANT, headers=acting(alice, uuid.uuid4()))

    assert answered.status_code == 200
    assert answered.json() == {
        "organisation_id": "00000000-0000-0000-0000-000000000000",
        "role": None,
    }
