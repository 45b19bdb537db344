"""What every route shares: request ids, access lines, health, and the OpenAPI document."""

from __future__ import annotations

import json

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import DatabaseSettings, HttpSettings, LoggingSettings, Settings
from tests.api.conftest import Client


async def test_a_request_id_is_made_or_kept_and_always_returned(client: Client) -> None:
    made = await client.get("/health/live")
    kept = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    unsafe = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})

    assert len(made.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "abc-123"
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_one_access_line_per_request_with_status_time_and_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(
        environment="test", persistence="memory", logging=LoggingSettings(format="json")
    )
    async with AsyncTestClient(create_app(build_container(settings))) as client:
        capsys.readouterr()
        await client.get(
            "/api/v1/products/00000000-0000-0000-0000-000000000000",
            headers={"X-Request-ID": "req-42"},
        )
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line.get("event") == "http.request"]

    assert len(access) == 1
    assert access[0]["status"] == 404
    assert access[0]["request_id"] == "req-42"
    assert access[0]["method"] == "GET"
    assert access[0]["duration_ms"] >= 0


async def test_liveness(client: Client) -> None:
    response = await client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "up"})


async def test_readiness_checks_the_configured_database(tmp_path: object) -> None:
    settings = Settings(
        persistence="sql",
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/ready.db"),
        logging=LoggingSettings(level="ERROR"),
    )
    async with AsyncTestClient(create_app(build_container(settings))) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 200
    # Not migrated: the database answers (ordering's projections check: tests/api/ordering).
    assert response.json()["checks"]["database"] == {"status": "up", "detail": None}


# [adapter:postgresql begin]
async def test_readiness_is_503_naming_the_failing_adapter() -> None:
    # Port 9 (discard) has no PostgreSQL: the connection is refused at once.
    settings = Settings(
        persistence="sql",
        database=DatabaseSettings(url="postgresql+asyncpg://nobody@127.0.0.1:9/none"),
        http=HttpSettings(readiness_timeout=1.0),
        logging=LoggingSettings(level="ERROR"),
    )
    async with AsyncTestClient(create_app(build_container(settings))) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["database"]["detail"]


# [adapter:postgresql end]


async def test_openapi_31_documents_every_route_with_operation_ids(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    operations = {
        op["operationId"]
        for path in document["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "createProduct",
        "listProducts",
        "getProduct",
        "updateProduct",
        "deleteProduct",
        "adjustStock",
        "live",
        "ready",
    } <= operations
    create = document["paths"]["/api/v1/products"]["post"]
    assert "application/problem+json" in create["responses"]["422"]["content"]
    amount = document["components"]["schemas"]["MoneyBody"]["properties"]["amount"]
    assert amount["type"] == "string"


async def test_the_docs_ui_is_served_at_schema(client: Client) -> None:
    response = await client.get("/schema")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "swagger-ui" in response.text
