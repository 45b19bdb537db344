"""Behind a load balancer (here: this test, on loopback, as the balancer): with the balancer's
address in PORTICO_TRUSTED_PROXIES, the sign-in limit counts per real client and the access log
names it; without it, the same headers are ignored and every client shares the balancer's limit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.e2e.conftest import PATIENCE, portico_env, serving, sqlite_copy

WRONG = {"email": "nobody@example.com", "password": "not the password"}
LIMIT = 3  # sign-in requests per minute per client address


def _sign_in(http: httpx.Client, client: str) -> int:
    headers = {"X-Forwarded-For": client, "X-Forwarded-Proto": "https"}
    return http.post("/api/v1/auth/login", json=WRONG, headers=headers).status_code


def _env(sqlite_template: Path, tmp_path: Path, **more: str) -> dict[str, str]:
    return portico_env(
        database_url=sqlite_copy(sqlite_template, tmp_path),
        rate_limit_auth_per_minute=str(LIMIT),
        log_format="json",
        log_level="INFO",
        **more,
    )


def _access_clients(process: subprocess.Popen[str]) -> set[str]:
    process.terminate()
    out, _ = process.communicate(timeout=PATIENCE)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {str(line.get("client")) for line in lines if line.get("event") == "http.request"}


def test_the_limit_counts_per_real_client_behind_a_trusted_balancer(
    sqlite_template: Path, tmp_path: Path
) -> None:
    env = _env(sqlite_template, tmp_path, trusted_proxies="127.0.0.1/32")
    with (
        serving(env, tmp_path) as (url, process),
        httpx.Client(base_url=url, timeout=PATIENCE) as http,
    ):
        first = [_sign_in(http, "203.0.113.1") for _ in range(LIMIT + 1)]
        other = _sign_in(http, "203.0.113.2")
        # HSTS follows the protocol the balancer saw (on API answers: the probes carry none).
        secure = http.get("/api/v1/products", headers={"X-Forwarded-Proto": "https"})
        clients = _access_clients(process)

    assert first == [401] * LIMIT + [429]
    assert other == 401  # another client, its own limit
    assert "strict-transport-security" in secure.headers
    assert {"203.0.113.1", "203.0.113.2"} <= clients
    assert "127.0.0.1" in clients  # the health check carried no X-Forwarded-For


def test_without_trust_forged_headers_change_nothing(sqlite_template: Path, tmp_path: Path) -> None:
    env = _env(sqlite_template, tmp_path)
    with (
        serving(env, tmp_path) as (url, process),
        httpx.Client(base_url=url, timeout=PATIENCE) as http,
    ):
        statuses = [_sign_in(http, f"203.0.113.{n}") for n in range(1, LIMIT + 2)]
        clients = _access_clients(process)

    assert statuses == [401] * LIMIT + [429]  # one address: the peer's
    assert clients == {"127.0.0.1"}
