"""A request that dies between claiming its Idempotency-Key and answering: the process is killed
(SIGKILL) while PostgreSQL holds its order back, so only the claim was committed. The client's
retry is told the request is in progress (409) until housekeeping frees the stuck claim; then the
retry places the order, once.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    ADMIN,
    PATIENCE,
    portico_env,
    postgres_copy,
    run_portico,
    serving,
    sign_in,
)
from tests.support.databases import scalar
from tests.support.processes import kill_tree
from tests.support.workers import wait_until

pytestmark = pytest.mark.postgres
CUSTOMER = {"email": "dana@example.com", "password": "a customer secret!"}


def _hold_event_store(url: str) -> subprocess.Popen[str]:
    """A psql session that locks the event store's table against writes: appends wait."""
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    session = subprocess.Popen(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", plain],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert session.stdin is not None
    assert session.stdout is not None
    session.stdin.write("BEGIN; LOCK TABLE event_store_events IN SHARE MODE; SELECT 1;\n")
    session.stdin.flush()
    for line in session.stdout:  # the lock is held once the row shows
        if "(1 row)" in line:
            return session
    raise AssertionError("psql ended before it held the lock")


def test_a_retry_after_a_crash_places_the_order_once(
    tmp_path: Path, postgres_template: str
) -> None:
    url = postgres_copy(postgres_template, "idempotency_crash")
    # No scheduled housekeeping here: the operator's `portico maintenance run` frees the claim.
    env = portico_env(
        environment="test",
        log_format="json",
        access_log="false",
        database_url=url,
        maintenance_interval="0",
        idempotency_stuck_after="1",
    )
    key = {"Idempotency-Key": "checkout-7"}

    with (
        serving(env, tmp_path) as (api, process),
        httpx.Client(base_url=api, timeout=PATIENCE) as http,
    ):
        admin = sign_in(http, *ADMIN)
        product = http.post(
            "/api/v1/products",
            json={
                "sku": "MUG-1",
                "name": "Mug",
                "price": {"amount": "8.00", "currency": "EUR"},
                "stock": 5,
            },
            headers=admin,
        ).json()["id"]
        assert http.post("/api/v1/auth/register", json=CUSTOMER).status_code == 202
        customer = {**sign_in(http, CUSTOMER["email"], CUSTOMER["password"]), **key}
        order = {"lines": [{"product_id": product, "quantity": 2}]}

        lock = _hold_event_store(url)
        try:
            # The request claims its key, then waits for the event store: kill the process.
            placing = threading.Thread(target=_post_until_killed, args=(http, order, customer))
            placing.start()
            wait_until(
                lambda: scalar(url, "SELECT count(*) FROM idempotency_keys") == 1,
                what="the claim of the key",
            )
            kill_tree(process.pid)  # granian serves from a child process: kill them all
            process.wait()
            placing.join()
        finally:
            assert lock.stdin is not None
            lock.stdin.write("ROLLBACK;\n")
            lock.communicate(timeout=PATIENCE)

    assert scalar(url, "SELECT count(*) FROM event_store_events") == 0  # nothing was placed
    with serving(env, tmp_path) as (api, _), httpx.Client(base_url=api, timeout=PATIENCE) as http:
        stuck = http.post("/api/v1/orders", json=order, headers=customer)
        assert stuck.status_code == 409, stuck.text
        assert stuck.json()["type"].endswith("/request-in-progress")

        time.sleep(1.1)  # the claim is now older than PORTICO_IDEMPOTENCY_STUCK_AFTER
        tidy = run_portico("maintenance", "run", env=env, cwd=tmp_path)
        assert tidy.returncode == 0, tidy.stderr
        assert "stuck_idempotency_claims: 1 rows" in tidy.stderr

        placed = http.post("/api/v1/orders", json=order, headers=customer)
        again = http.post("/api/v1/orders", json=order, headers=customer)

        def listed() -> list[str]:  # the order list is a projection: it follows shortly
            return [o["id"] for o in http.get("/api/v1/orders", headers=customer).json()["items"]]

        wait_until(lambda: bool(listed()), what="the order in the customer's list")
        orders = listed()
        stock = http.get(f"/api/v1/products/{product}").json()["stock"]

    assert placed.status_code == 201, placed.text
    assert again.status_code == 201
    assert again.json()["order_id"] == placed.json()["order_id"]  # replayed, not placed again
    assert orders == [placed.json()["order_id"]]
    assert stock == 3


def _post_until_killed(http: httpx.Client, order: object, headers: dict[str, str]) -> None:
    """The request dies with its server: a transport error is the expected end."""
    with contextlib.suppress(httpx.TransportError):
        http.post("/api/v1/orders", json=order, headers=headers)
