"""PostgreSQL killed under a running `portico serve` (granian), then started again.

While it is down every request that needs it answers 503 problem+json
`/problems/dependency-unavailable` with Retry-After, and /health/ready says 503; the server log
has one line per outage transition, not a traceback per request; once the database is back the
server serves again by itself, and every write it acknowledged (201) is there. The fault is real:
a private PostgreSQL (never the shared one) stopped by its pid.
"""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import create_admin, portico_env, run_portico, serving, sign_in
from tests.support.postgres import PrivatePostgres, private_postgres
from tests.support.workers import wait_until

pytestmark = pytest.mark.postgres
ADMIN, PASSWORD = "root@example.com", "an administrator secret"
PRODUCTS = "/api/v1/products"
# A guard against a request hanging on the dead database (as a pool or connect timeout would),
# far above what failing fast takes; not a measure of speed.
HANG = 10.0


@pytest.fixture
def database() -> Iterator[PrivatePostgres]:
    with private_postgres() as running:
        yield running


def product(sku: str) -> dict[str, Any]:
    return {"sku": sku, "name": "Tea", "price": {"amount": "4.00", "currency": "EUR"}, "stock": 3}


def log_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for raw in output.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            lines.append({"event": "raw", "text": raw})
    return lines


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["type"] == "/problems/dependency-unavailable"
    assert "database" in response.json()["detail"]


def test_the_server_answers_503_while_postgres_is_down_and_recovers_by_itself(
    database: PrivatePostgres, tmp_path: Path
) -> None:
    env = portico_env(
        database_url=database.url,
        log_format="json",
        log_level="WARNING",
        access_log="false",
    )
    migrated = run_portico("db", "upgrade", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    create_admin(env, tmp_path, ADMIN, PASSWORD)
    acknowledged: list[str] = []

    def write(http: httpx.Client, sku: str) -> httpx.Response:
        response = http.post(PRODUCTS, json=product(sku))
        if response.status_code == 201:
            acknowledged.append(sku.upper())
        return response

    with serving(env, tmp_path) as (base, process):
        with httpx.Client(base_url=base, timeout=HANG) as http:
            http.headers.update(sign_in(http, ADMIN, PASSWORD))
            for n in range(5):
                assert write(http, f"before-{n}").status_code == 201

            database.stop()
            refused = []
            for n in range(10):
                # Unknown ids: no cache can answer for them, so each read needs the database.
                refused.append(http.get(f"{PRODUCTS}/{uuid.uuid4()}"))
                refused.append(write(http, f"down-{n}"))
            refused.append(http.post("/api/v1/auth/login", json={"email": ADMIN, "password": "x"}))
            ready_down = http.get("/health/ready")

            database.start()
            wait_until(
                lambda: http.get(f"{PRODUCTS}/{uuid.uuid4()}").status_code == 404,
                timeout=60,
                what="the server reads from the database again",
            )
            for n in range(5):
                assert write(http, f"after-{n}").status_code == 201
            ready_up = http.get("/health/ready")
            listed = http.get(PRODUCTS, params={"limit": 100}).json()["items"]
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)

    for response in refused:
        assert_unavailable(response)
    assert ready_down.status_code == 503
    assert ready_down.json()["checks"]["database"]["status"] == "down"
    assert ready_up.status_code == 200
    # No acknowledged write was lost (none was acknowledged while the database was down).
    assert sorted(item["sku"] for item in listed) == sorted(acknowledged)
    assert len(acknowledged) == 10

    lines = log_lines(stdout + stderr)
    down = [line for line in lines if line.get("event") == "database.unavailable"]
    up = [line for line in lines if line.get("event") == "database.available"]
    # One outage; a pooled connection cut by the restart may make a second, short one.
    assert 1 <= len(down) <= 2, down
    assert len(up) == len(down)
    assert not [line for line in lines if "exception" in line or "exc_info" in line]
    assert not [line for line in lines if line.get("event") == "http.unhandled_error"]
