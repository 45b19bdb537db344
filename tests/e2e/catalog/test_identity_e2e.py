"""The identity flow against real `portico` processes (SQLite file, generated dev key): the CLI
makes the first admin, two servers share the database, and a deactivation made through one server
is refused by the other within its revocation sync interval."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    PATIENCE,
    create_admin,
    portico_env,
    run_portico,
    serving_together,
)

ADMIN = {"email": "root@example.com", "password": "an administrator secret"}
CUSTOMER = {"email": "carol@example.com", "password": "a customer secret!"}
RESTORED = {"email": "erin@example.com", "password": "another customer secret!"}
PRODUCT = {"sku": "TEA-1", "name": "Green tea", "price": {"amount": "4.50", "currency": "EUR"}}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("identity")


@pytest.fixture(scope="module")
def environment(folder: Path) -> dict[str, str]:
    """One SQLite database for the module, migrated once: each test signs up its own customer."""
    env = portico_env(
        database_url=f"sqlite+aiosqlite:///{folder / 'portico.db'}",
        auth_revocation_sync="0.2",
        log_level="WARNING",
        access_log="false",
    )
    assert run_portico("db", "upgrade", env=env, cwd=folder).returncode == 0
    create_admin(env, folder, ADMIN["email"], ADMIN["password"])
    return env


@pytest.fixture(scope="module")
def servers(environment: dict[str, str], folder: Path) -> Iterator[list[str]]:
    """Two servers on one database, with the first administrator made by the CLI; shared by the
    module's tests, which each sign up a customer of their own and touch no one else's account."""
    with serving_together([environment, environment], folder) as servers:
        yield [base for base, _ in servers]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client for the module (httpx.get makes a client, TLS context and all, per call)."""
    with httpx.Client(timeout=PATIENCE) as client:
        yield client


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_the_whole_flow_across_two_servers(servers: list[str], http: httpx.Client) -> None:
    one, two = servers
    registered = http.post(f"{one}/api/v1/auth/register", json=CUSTOMER)
    assert registered.status_code == 202
    customer = http.post(f"{one}/api/v1/auth/login", json=CUSTOMER).json()
    admin = http.post(f"{two}/api/v1/auth/login", json=ADMIN).json()

    # Tokens of one server are good on the other (same key), and roles are enforced on both.
    assert http.get(f"{two}/api/v1/users/me", headers=bearer(customer)).status_code == 200
    assert (
        http.post(f"{two}/api/v1/products", json=PRODUCT, headers=bearer(customer)).status_code
        == 403
    )
    assert (
        http.post(f"{one}/api/v1/products", json=PRODUCT, headers=bearer(admin)).status_code == 201
    )
    assert http.get(f"{two}/api/v1/products").json()["items"][0]["sku"] == "TEA-1"

    # Refresh on one server, log out on the other; the session is over everywhere.
    rotated = http.post(
        f"{two}/api/v1/auth/refresh", json={"refresh_token": customer["refresh_token"]}
    ).json()
    assert (
        http.post(
            f"{one}/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]}
        ).status_code
        == 204
    )
    for base in servers:
        refused = http.post(
            f"{base}/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
        )
        assert refused.status_code == 401

    # The ended session's access token goes too: at once on server one, on server two at its
    # next sync (every 0.2 s here).
    assert http.get(f"{one}/api/v1/users/me", headers=bearer(rotated)).status_code == 401
    assert refused_soon(http, f"{two}/api/v1/users/me", rotated)

    # A deactivation through server one voids a new session's access token on server two too.
    again = http.post(f"{two}/api/v1/auth/login", json=CUSTOMER).json()
    me = http.get(f"{two}/api/v1/users/me", headers=bearer(again))
    assert me.status_code == 200
    user_id = me.json()["id"]
    deactivated = http.patch(
        f"{one}/api/v1/users/{user_id}", json={"active": False}, headers=bearer(admin)
    )
    assert deactivated.status_code == 200
    assert http.get(f"{one}/api/v1/users/me", headers=bearer(again)).status_code == 401
    assert refused_soon(http, f"{two}/api/v1/users/me", again)


def refused_soon(http: httpx.Client, url: str, tokens: dict[str, str]) -> bool:
    """Whether `url` refuses the access token within 5 s (a server learns at its next sync)."""
    statuses = []
    for _ in range(50):
        statuses.append(http.get(url, headers=bearer(tokens)).status_code)
        if statuses[-1] == 401:
            return True
        time.sleep(0.1)
    return False


def test_create_admin_refuses_a_weak_password(environment: dict[str, str], tmp_path: Path) -> None:
    weak = run_portico(
        "users",
        "create-admin",
        "--email",
        "a@example.com",
        env=environment,
        cwd=tmp_path,
        stdin="short\n",
    )
    assert weak.returncode == 2
    assert "at least 12 characters" in weak.stderr


def test_create_admin_restores_an_existing_account_as_an_administrator(
    environment: dict[str, str], servers: list[str], http: httpx.Client, tmp_path: Path
) -> None:
    """The API keeps the last administrator; the CLI gives back a deactivated (or never admin)
    account: active, admin beside its roles, the new password, its old sessions ended."""
    new_password = "a restored admin secret"
    base = servers[0]
    http.post(f"{base}/api/v1/auth/register", json=RESTORED).raise_for_status()
    old_session = http.post(f"{base}/api/v1/auth/login", json=RESTORED).json()
    user_id = http.get(f"{base}/api/v1/users/me", headers=bearer(old_session)).json()["id"]
    admin = http.post(f"{base}/api/v1/auth/login", json=ADMIN).json()
    deactivated = http.patch(
        f"{base}/api/v1/users/{user_id}", json={"active": False}, headers=bearer(admin)
    )
    assert deactivated.status_code == 200

    restored = run_portico(
        "users",
        "create-admin",
        "--email",
        RESTORED["email"].upper(),
        env=environment,
        cwd=tmp_path,
        stdin=new_password + "\n",
    )
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip() == (
        f"restored administrator {RESTORED['email']} ({user_id}): activated, admin role, "
        "password replaced, sessions ended"
    )
    old = http.post(f"{base}/api/v1/auth/login", json=RESTORED)
    signed_in = http.post(f"{base}/api/v1/auth/login", json={**RESTORED, "password": new_password})
    me = http.get(f"{base}/api/v1/users/me", headers=bearer(signed_in.json()))
    refreshed = http.post(
        f"{base}/api/v1/auth/refresh", json={"refresh_token": old_session["refresh_token"]}
    )
    again = run_portico(
        "users",
        "create-admin",
        "--email",
        RESTORED["email"],
        env=environment,
        cwd=tmp_path,
        stdin=new_password + "\n",
    )

    assert old.status_code == 401
    assert signed_in.status_code == 200, signed_in.text
    assert me.json()["id"] == user_id
    assert sorted(me.json()["roles"]) == ["admin", "customer"]
    assert me.json()["active"] is True
    assert refreshed.status_code == 401
    # An account that is an active admin already only gets the password (and a fresh start).
    assert again.stdout.strip().endswith(f"({user_id}): password replaced, sessions ended")
