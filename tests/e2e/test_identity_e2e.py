"""The identity flow against real `portico` processes (SQLite file, generated dev key): the CLI
makes the first admin, two servers share the database, and a deactivation made through one server
is refused by the other within its revocation sync interval."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"email": "root@example.com", "password": "an administrator secret"}
CUSTOMER = {"email": "carol@example.com", "password": "a customer secret!"}
PRODUCT = {"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.50", "currency": "EUR"}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env.update(
        PORTICO_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'portico.db'}",
        PORTICO_AUTH_DEV_KEY_FILE=str(tmp_path / "dev-signing-key.json"),
        PORTICO_AUTH_REVOCATION_SYNC="0.2",
        PORTICO_PASSWORD_MEMORY_KIB="1024",
        PORTICO_PASSWORD_TIME_COST="1",
        PORTICO_PASSWORD_PARALLELISM="1",
        PORTICO_LOG_LEVEL="WARNING",
        PORTICO_ACCESS_LOG="false",
    )
    return env


def portico(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def servers(environment: dict[str, str]) -> Iterator[list[str]]:
    portico(environment, "db", "upgrade")
    portico(
        environment, "users", "create-admin", "--email", ADMIN["email"], stdin=ADMIN["password"]
    )
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)],
                env=environment,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started.append((process, f"http://127.0.0.1:{port}"))
        for process, base in started:
            wait_until_live(process, base)
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.wait(timeout=10)


def wait_until_live(process: subprocess.Popen[bytes], base: str) -> None:
    for _ in range(150):
        if process.poll() is not None:
            pytest.fail(f"portico serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail(f"portico serve did not answer at {base}")


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_the_whole_flow_across_two_servers(servers: list[str]) -> None:
    one, two = servers
    registered = httpx.post(f"{one}/api/v1/auth/register", json=CUSTOMER)
    assert registered.status_code == 201
    customer = httpx.post(f"{one}/api/v1/auth/login", json=CUSTOMER).json()
    admin = httpx.post(f"{two}/api/v1/auth/login", json=ADMIN).json()

    # Tokens of one server are good on the other (same key), and roles are enforced on both.
    assert httpx.get(f"{two}/api/v1/users/me", headers=bearer(customer)).status_code == 200
    assert (
        httpx.post(f"{two}/api/v1/products", json=PRODUCT, headers=bearer(customer)).status_code
        == 403
    )
    assert (
        httpx.post(f"{one}/api/v1/products", json=PRODUCT, headers=bearer(admin)).status_code == 201
    )
    assert httpx.get(f"{two}/api/v1/products").json()["items"][0]["sku"] == "TEA-1"

    # Refresh on one server, log out on the other; the session is over everywhere.
    rotated = httpx.post(
        f"{two}/api/v1/auth/refresh", json={"refresh_token": customer["refresh_token"]}
    ).json()
    assert (
        httpx.post(
            f"{one}/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]}
        ).status_code
        == 204
    )
    for base in servers:
        refused = httpx.post(
            f"{base}/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
        )
        assert refused.status_code == 401

    # A deactivation through server one voids the customer's access token on server two too.
    user_id = registered.json()["id"]
    assert httpx.get(f"{two}/api/v1/users/me", headers=bearer(rotated)).status_code == 200
    deactivated = httpx.patch(
        f"{one}/api/v1/users/{user_id}", json={"active": False}, headers=bearer(admin)
    )
    assert deactivated.status_code == 200
    assert httpx.get(f"{one}/api/v1/users/me", headers=bearer(rotated)).status_code == 401
    statuses = []
    for _ in range(50):  # server two learns of it at its next sync (every 0.2 s here)
        statuses.append(httpx.get(f"{two}/api/v1/users/me", headers=bearer(rotated)).status_code)
        if statuses[-1] == 401:
            break
        time.sleep(0.1)
    assert statuses[-1] == 401, statuses


def test_create_admin_refuses_a_weak_password_and_a_taken_email(
    environment: dict[str, str],
) -> None:
    portico(environment, "db", "upgrade")
    base = [sys.executable, "-m", "entrypoints.cli.main", "users", "create-admin", "--email"]
    weak = subprocess.run(
        [*base, "a@example.com"],
        env=environment,
        cwd=ROOT,
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert weak.returncode == 2
    assert "at least 12 characters" in weak.stderr
    portico(
        environment,
        "users",
        "create-admin",
        "--email",
        "a@example.com",
        stdin="a long admin secret\n",
    )
    taken = subprocess.run(
        [*base, "A@example.com"],
        env=environment,
        cwd=ROOT,
        input="a long admin secret\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert taken.returncode == 2
    assert "already exists" in taken.stderr
