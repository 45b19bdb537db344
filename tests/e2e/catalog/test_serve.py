"""`portico db upgrade` then `portico serve`, as a user runs them, talking real HTTP."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    ADMIN,
    create_admin,
    portico_env,
    run_portico,
    serving,
    sign_in,
    sqlite_copy,
)
from tests.support.databases import recreate_database, with_database
from tests.support.servers import require_sql_server

ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),  # [adapter:postgresql]
    pytest.param("mariadb", marks=pytest.mark.mariadb),  # [adapter:mariadb]
]


def _database_url(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'portico.db'}"
    base = require_sql_server(engine)
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_e2e")
    asyncio.run(recreate_database(url))
    return url


@pytest.mark.parametrize("engine", ENGINES)
def test_the_catalog_works_unchanged_on_each_engine(engine: str, tmp_path: Path) -> None:
    env = portico_env(database_url=_database_url(engine, tmp_path), log_format="json")
    migrated = run_portico("db", "upgrade", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    create_admin(env, tmp_path, "admin@example.com", "an administrator secret")

    with serving(env, tmp_path) as (base, process), httpx.Client(base_url=base) as http:
        anonymous = http.post("/api/v1/products", json={})
        http.headers.update(sign_in(http, "admin@example.com", "an administrator secret"))
        created = http.post(
            "/api/v1/products",
            json={"sku": "e2e-1", "name": "Kettle", "price": {"amount": "30", "currency": "EUR"}},
        )
        assert created.status_code == 201, created.text
        product = created.json()
        url = f"/api/v1/products/{product['id']}"

        changed = http.patch(url, json={"name": "Kettle 2"}, headers={"If-Match": '"1"'})
        adjusted = http.post(f"{url}/stock-adjustments", json={"delta": 4})
        fetched = http.get(url)
        listed = http.get("/api/v1/products")
        ready = http.get("/health/ready")
        openapi = http.get("/schema/openapi.json")

    assert anonymous.status_code == 401
    assert changed.status_code == 200
    assert adjusted.json()["stock"] == 4
    assert fetched.json()["name"] == "Kettle 2"
    assert fetched.headers["etag"] == '"3"'
    assert fetched.json()["price"] == {"amount": "30.00", "currency": "EUR"}
    assert [item["sku"] for item in listed.json()["items"]] == ["E2E-1"]
    assert ready.json()["checks"]["database"]["status"] == "up"
    assert openapi.json()["openapi"].startswith("3.1")
    assert process.returncode == 0
    output = process.stdout.read() if process.stdout else ""
    errors = process.stderr.read() if process.stderr else ""
    assert f"OpenAPI docs at {base}/schema" in errors
    assert '"event":"http.request"' in output


def _libraries(pid: int) -> set[str]:
    """The packages of the compiled extensions process `pid` has loaded."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return set(re.findall(r"site-packages/([A-Za-z0-9_]+)", maps))


# One test for three claims on the same restarted server: a start is ~2 s of CPU.
def test_data_survives_a_restart_and_one_worker_serves_in_the_process_it_runs_in(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """What one server wrote, the next one on the same database reads. With several workers the
    parent checks the settings in a child and then only supervises granian's forked workers: it
    never loads the database driver's, the hasher's or the crypto's extensions. With one (the
    default) there is no supervisor: the process serves the app itself, checks the settings
    itself too (it has reaped no child) and forks no worker."""
    env = portico_env(database_url=sqlite_copy(sqlite_template, tmp_path, "keep.db"), cache="none")
    app = {"sqlalchemy", "cryptography", "_argon2_cffi_bindings"}
    with (
        serving(env, tmp_path, "--workers", "2") as (base, process),
        httpx.Client(base_url=base) as http,
    ):
        headers = sign_in(http, *ADMIN)
        created = http.post(
            "/api/v1/products",
            json={"sku": "keep-1", "name": "Mug", "price": {"amount": "5", "currency": "EUR"}},
            headers=headers,
        ).json()
        workers = _children(process.pid)
        parent, serving_workers = _libraries(process.pid), [_libraries(pid) for pid in workers]
        supervisor_reaped = _reaped_children_cpu(process.pid)
    assert len(workers) == 2
    assert supervisor_reaped > 0  # the start-up check's child ran, and exited
    assert all(app <= libraries for libraries in serving_workers)  # the probe can find them
    assert not app & parent, parent
    with serving(env, tmp_path) as (base, process):
        assert httpx.get(f"{base}/api/v1/products/{created['id']}").status_code == 200
        assert httpx.get(f"{base}/health/ready").status_code == 200
        children, serving_itself = _children(process.pid), _libraries(process.pid)
        reaped = _reaped_children_cpu(process.pid)
    assert children == []
    assert reaped == 0  # no check child: the checks ran in the serving process
    assert app <= serving_itself
    assert process.returncode == 0  # SIGTERM: in-flight requests finish, then it exits


def _reaped_children_cpu(pid: int) -> int:
    """CPU ticks of the children `pid` has waited for (cutime + cstime in /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[13]) + int(fields[14])


def _children(pid: int) -> list[int]:
    """`pid`'s child processes (a start-up check's child has exited once the server answers)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


@pytest.mark.parametrize(
    ("settings", "args", "expected"),
    [
        ({"persistence": "mongo"}, ["serve"], "PORTICO_PERSISTENCE='mongo' is invalid"),
        ({"port": "http"}, ["serve"], "PORTICO_PORT='http' is invalid"),
        # [adapter:postgresql begin]
        (
            {"database_url": "postgresql://nobody@127.0.0.1:9/none"},
            ["serve"],
            "PORTICO_DATABASE_URL: cannot reach the database at postgresql+asyncpg://nobody@127.0.0.1:9/none",
        ),
        # [adapter:postgresql end]
        ({"database_url": "not a url"}, ["serve"], "PORTICO_DATABASE_URL is not a database URL"),
        (  # several workers: the checks run in a child, and its refusal is the same line
            {"database_url": "not a url", "cache": "none"},
            ["serve", "--workers", "2"],
            "PORTICO_DATABASE_URL is not a database URL",
        ),
        ({}, ["serve", "--port", "abc"], "argument --port: invalid int value: 'abc'"),
        (
            {"cache": "memory", "bus": "memory"},
            ["serve", "--workers", "2"],
            "PORTICO_BUS=memory cannot tell the other workers about a write",
        ),
        ({}, ["launch"], "invalid choice: 'launch'"),
        (
            {"projector": "worker"},
            ["serve"],
            "PORTICO_PROJECTOR was removed: use PORTICO_BACKGROUND=auto|serve|worker|off",
        ),
    ],
)
def test_bad_settings_and_arguments_stop_with_one_clear_line(
    settings: dict[str, str], args: list[str], expected: str, tmp_path: Path
) -> None:
    result = run_portico(*args, env=portico_env(**settings), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_version(tmp_path: Path) -> None:
    result = run_portico("--version", env=portico_env(), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("portico ")
