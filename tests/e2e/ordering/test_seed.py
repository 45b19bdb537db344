"""`portico seed`: demo data written through the use cases, counted back through the API."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from application.shared.seeding import SeedPlan
from entrypoints.catalog.seed import commands
from entrypoints.identity.seed import ADMIN_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import (
    PATIENCE,
    portico_env,
    postgres_copy,  # [adapter:postgresql]
    run_portico,
    serving,
    sign_in,
    sqlite_copy,
)
from tests.support.databases import recreate_database, with_database
from tests.support.servers import require_sql_server

SIZES = ("--users", "30", "--products", "60", "--orders", "40")
ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),  # [adapter:postgresql]
    pytest.param("mariadb", marks=pytest.mark.mariadb),  # [adapter:mariadb]
]


def _database(engine: str, tmp_path: Path, name: str = "seed") -> str:
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}"
    base = require_sql_server(engine)
    url = with_database(base, f"{base.rsplit('/', 1)[1]}_{name}")
    asyncio.run(recreate_database(url))
    return url


def _migrated(url: str, tmp_path: Path) -> dict[str, str]:
    env = portico_env(database_url=url, log_level="WARNING", access_log="false")
    upgraded = run_portico("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    return env


def _copy_of(migrated: Path, tmp_path: Path, name: str = "seed") -> dict[str, str]:
    """A copy of the session's migrated SQLite file (tests/e2e/conftest.py: `sqlite_migrated`)."""
    url = sqlite_copy(migrated, tmp_path, f"{name}.db")
    return portico_env(database_url=url, log_level="WARNING", access_log="false")


def _migrated_copy(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """An empty migrated database: a copy of the session's template where the engine has one
    (the migration is not what these tests check), a fresh `portico db upgrade` on MariaDB."""
    if engine == "sqlite":
        return _copy_of(request.getfixturevalue("sqlite_migrated"), tmp_path)
    # [adapter:postgresql begin]
    if engine == "postgresql":
        url = postgres_copy(request.getfixturevalue("postgres_migrated"), "seed")
        return portico_env(database_url=url, log_level="WARNING", access_log="false")
    # [adapter:postgresql end]
    return _migrated(_database(engine, tmp_path), tmp_path)


def _all(http: httpx.Client, path: str, headers: dict[str, str]) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = http.get(path, params=params, headers=headers)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if not (cursor := page.json()["next_cursor"]):
            return items


@pytest.mark.parametrize("engine", ENGINES)
def test_seed_fills_an_empty_database_and_refuses_to_seed_it_twice(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = _migrated_copy(engine, tmp_path, request)
    seeded = run_portico("seed", *SIZES, "--seed", "11", env=env, cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert DEMO_PASSWORD in seeded.stdout
    assert seeded.stderr == ""  # no terminal: no progress bar

    again = run_portico("seed", *SIZES, env=env, cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.splitlines() == [
        "portico: the database already holds users: portico seed fills an empty database"
    ]

    with serving(env, tmp_path) as (base, _), httpx.Client(base_url=base, timeout=PATIENCE) as http:
        admin = sign_in(http, ADMIN_EMAIL, DEMO_PASSWORD)  # the printed password works
        users = _all(http, "/api/v1/users", admin)
        products = _all(http, "/api/v1/products", admin)
        orders = _all(http, "/api/v1/orders", admin)
    assert len(users) == 30
    assert Counter(role for user in users for role in user["roles"]) == {
        "admin": 1,
        "staff": 1,
        "customer": 28,
    }
    assert len(products) == 60
    assert len({product["sku"] for product in products}) == 60
    assert len(orders) == 40  # read models caught up: every order is listed at once
    assert {order["status"] for order in orders} >= {"placed", "paid", "shipped", "cancelled"}
    # The orders that hold stock (placed, paid, shipped) took it from what the products had.
    created = sum(command.stock for command in commands(SeedPlan({"products": 60}, 11)))
    assert sum(int(str(product["stock"])) for product in products) < created


def _content(path: Path) -> tuple[object, ...]:
    """What the seed decides (not ids nor timestamps): users, products, orders by their lines."""
    with sqlite3.connect(path) as db:
        users = dict(db.execute("SELECT id, email || ' ' || roles FROM users").fetchall())
        products = db.execute("SELECT id, sku, name, price_amount, stock FROM products").fetchall()
        skus = {UUID(row[0]): row[1] for row in products}
        orders = sorted(
            (
                users[customer],
                status,
                tuple(
                    (skus[UUID(line["product_id"])], line["quantity"]) for line in json.loads(lines)
                ),
            )
            for customer, status, lines in db.execute(
                "SELECT customer_id, status, lines FROM order_details"
            )
        )
    return sorted(users.values()), sorted(row[1:] for row in products), orders


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(
    sqlite_migrated: Path, tmp_path: Path
) -> None:
    contents = []
    for name, seed in (("first", "5"), ("second", "5"), ("third", "6")):
        env = _copy_of(sqlite_migrated, tmp_path, name)
        seeded = run_portico("seed", *SIZES, "--seed", seed, env=env, cwd=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        contents.append(_content(tmp_path / f"{name}.db"))
    assert contents[0] == contents[1]
    assert all(len(part) for part in contents[0])
    assert contents[0] != contents[2]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--users", "-3"), "argument --users: '-3' is not a count (0 or more)"),
        (("--orders", "many"), "argument --orders: 'many' is not a count (0 or more)"),
        (("--seed", "x"), "argument --seed: invalid int value: 'x'"),
        (
            ("--users", "0", "--orders", "5"),
            "--orders needs --users above 0: orders are for seeded ones",
        ),
    ],
)
def test_bad_flags_are_one_line_and_write_nothing(
    arguments: tuple[str, ...], message: str, sqlite_migrated: Path, tmp_path: Path
) -> None:
    env = _copy_of(sqlite_migrated, tmp_path)
    refused = run_portico("seed", *arguments, env=env, cwd=tmp_path)
    assert refused.returncode == 2
    [line] = refused.stderr.splitlines()
    assert message in line
    with sqlite3.connect(tmp_path / "seed.db") as db:
        assert db.execute("SELECT count(*) FROM products").fetchone() == (0,)


def test_seed_refuses_memory_persistence(tmp_path: Path) -> None:
    refused = run_portico("seed", env=portico_env(persistence="memory"), cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "portico: PORTICO_PERSISTENCE=memory keeps no data between processes to seed"
    ]


def test_seed_asks_for_the_migrations_on_a_database_without_tables(tmp_path: Path) -> None:
    env = portico_env(database_url=_database("sqlite", tmp_path))
    refused = run_portico("seed", env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "portico: cannot read the database (no such table: users): run portico db upgrade"
    ]
