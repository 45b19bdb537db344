"""With tenancy on (issue 17): an organisation's catalog reads are private to it and vary by
X-Organisation-Id, so no shared cache keeps them and no cache serves one organisation's answer
to another; the audit log lists an organisation's own changes only, to its admins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.container import Container
from entrypoints.settings import Settings, TenancySettings
from tests.security.catalog.test_tenant_isolation import acting, staff_with_organisation, tea
from tests.support.mail import mail_app, now_clock
from tests.support.organisations.members import create_organisation, verified_user

Client = AsyncTestClient[Litestar]
PRODUCTS = "/api/v1/products"
AUDIT = "/api/v1/audit"
WAIT = 30.0  # a guard against hanging, not an assertion


FRONT_END = "https://shop.example.com"


@pytest.fixture
async def tenancy(settings: Settings) -> AsyncIterator[tuple[Container, Client]]:
    on = msgspec.structs.replace(
        settings,
        tenancy=TenancySettings(enabled=True, requests_per_minute=1000),
        http=msgspec.structs.replace(settings.http, cors_origins=FRONT_END),
    )
    async with mail_app(on, now_clock()) as (container, client):
        yield container, client


def directives(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(",")}


async def test_a_tenants_reads_are_private_and_vary_by_organisation(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    a = await staff_with_organisation(container, client, "A")
    created = await client.post(PRODUCTS, json=tea(), headers=a)
    assert created.status_code == 201, created.text
    url, etag = f"{PRODUCTS}/{created.json()['id']}", created.headers["ETag"]

    answers = [
        await client.get(url, headers=a),
        await client.get(url, headers={**a, "If-None-Match": etag}),
        await client.get(PRODUCTS, headers=a),
        # A front end on another origin: CORS's Vary: Origin must not replace ours.
        await client.get(PRODUCTS, headers={**a, "Origin": FRONT_END}),
    ]

    assert [answer.status_code for answer in answers] == [200, 304, 200, 200]
    assert "origin" in directives(answers[3].headers["Vary"])
    for answer in answers:
        assert directives(answer.headers["Cache-Control"]) == {"private", "no-cache"}
        assert "x-organisation-id" in directives(answer.headers["Vary"])
    assert answers[0].headers["ETag"] == answers[1].headers["ETag"] == etag


async def test_a_front_end_on_another_origin_may_name_its_organisation(
    tenancy: tuple[Container, Client],
) -> None:
    _, client = tenancy
    preflight = await client.options(
        PRODUCTS,
        headers={
            "Origin": FRONT_END,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, x-organisation-id",
        },
    )

    assert preflight.status_code in (200, 204), preflight.text
    allowed = directives(preflight.headers["Access-Control-Allow-Headers"])
    assert "x-organisation-id" in allowed


async def test_revalidating_another_organisations_copy_gets_nothing_of_it(
    tenancy: tuple[Container, Client],
) -> None:
    # What a cache that ignored Vary would send on B's behalf: A's ETag, B's credentials.
    container, client = tenancy
    a = await staff_with_organisation(container, client, "A")
    b = await staff_with_organisation(container, client, "B")
    created = await client.post(PRODUCTS, json=tea(), headers=a)
    url, etag = f"{PRODUCTS}/{created.json()['id']}", created.headers["ETag"]

    revalidated = await client.get(url, headers={**b, "If-None-Match": etag})

    assert revalidated.status_code == 404
    assert "ETag" not in revalidated.headers


async def admin_of(container: Container, client: Client, name: str) -> dict[str, str]:
    _, headers = await verified_user(container, None, "admin")
    organisation = await create_organisation(client, headers, name)
    return acting(headers, organisation["id"])


async def audit_items(client: Client, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(WAIT):
        while True:
            response = await client.get(AUDIT, params={"limit": 100}, headers=headers)
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            if len(items) >= count:
                return items
            await asyncio.sleep(0.02)


async def test_an_organisation_audits_its_own_changes_only(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    a, b = await admin_of(container, client, "A"), await admin_of(container, client, "B")
    of_a = await client.post(PRODUCTS, json=tea("TEA-A"), headers=a)
    of_b = await client.post(PRODUCTS, json=tea("TEA-B"), headers=b)
    assert (of_a.status_code, of_b.status_code) == (201, 201)
    changed = await client.patch(f"{PRODUCTS}/{of_a.json()['id']}", json={"name": "X"}, headers=a)
    assert changed.status_code == 200

    seen_by_a = await audit_items(client, a, 2)
    seen_by_b = await audit_items(client, b, 1)

    organisation_a, organisation_b = a["X-Organisation-Id"], b["X-Organisation-Id"]
    assert {item["aggregate_id"] for item in seen_by_a} == {of_a.json()["id"]}
    assert {item["organisation_id"] for item in seen_by_a} == {organisation_a}
    assert [item["type"] for item in seen_by_a] == [
        "catalog.ProductChanged",
        "catalog.ProductCreated",
    ]
    assert [(item["aggregate_id"], item["organisation_id"]) for item in seen_by_b] == [
        (of_b.json()["id"], organisation_b)
    ]


async def test_the_audit_log_needs_the_organisation_and_membership_of_it(
    tenancy: tuple[Container, Client],
) -> None:
    container, client = tenancy
    a = await admin_of(container, client, "A")
    _, outsider = await verified_user(container, None, "admin")
    staff = await staff_with_organisation(container, client, "S")

    without_header = await client.get(AUDIT, headers={"Authorization": a["Authorization"]})
    not_a_member = await client.get(AUDIT, headers=acting(outsider, a["X-Organisation-Id"]))
    not_an_admin = await client.get(AUDIT, headers=staff)

    assert without_header.status_code == 422
    assert without_header.json()["type"] == "/problems/invalid-value"
    assert not_a_member.status_code == 404
    assert not_a_member.json()["type"] == "/problems/organisation-not-found"
    assert not_an_admin.status_code == 403
