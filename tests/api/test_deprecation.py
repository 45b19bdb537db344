"""A route marked deprecated says so in every answer and in the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from entrypoints.http.deprecation import deprecated

SINCE = datetime(2026, 12, 1, tzinfo=UTC)
SUNSET = datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC)


@get("/api/v1/old", **deprecated(since=SINCE, sunset=SUNSET, successor="/api/v2/new"))
async def old() -> dict[str, str]:
    return {"still": "here"}


@get("/api/v1/current")
async def current() -> dict[str, str]:
    return {"current": "yes"}


async def test_a_deprecated_route_answers_with_its_deprecation_and_sunset() -> None:
    async with AsyncTestClient(Litestar([old, current])) as client:
        answer = await client.get("/api/v1/old")
        other = await client.get("/api/v1/current")
        document = (await client.get("/schema/openapi.json")).json()

    assert answer.status_code == 200
    assert answer.headers["Deprecation"] == "@1796083200"
    assert answer.headers["Sunset"] == "Wed, 30 Jun 2027 23:59:59 GMT"
    assert answer.headers["Link"] == '</api/v2/new>; rel="successor-version"'
    assert "Deprecation" not in other.headers
    operation = document["paths"]["/api/v1/old"]["get"]
    assert operation["deprecated"] is True
    assert {"Deprecation", "Sunset", "Link"} <= set(operation["responses"]["200"]["headers"])
    assert document["paths"]["/api/v1/current"]["get"].get("deprecated", False) is False


@pytest.mark.parametrize(
    ("since", "sunset"),
    [(datetime(2027, 1, 1), SUNSET), (SUNSET, SINCE)],  # the first is naive
)
def test_dates_must_be_aware_and_in_order(since: datetime, sunset: datetime) -> None:
    with pytest.raises(ValueError, match=r"since and sunset|sunset must come after"):
        deprecated(since=since, sunset=sunset)
