"""`portico projections status | catch-up | rebuild` on a migrated SQLite database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from uuid import UUID

from adapters.ordering.payments.fake import APPROVE
from application.catalog.create_product import CreateProduct
from application.ordering.get_order import GetOrder
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from domain.shared.tenant import Tenant
from entrypoints.container import build_container, close_container
from entrypoints.settings import DatabaseSettings, LoggingSettings, Settings
from tests.e2e.conftest import portico_env, run_portico, sqlite_copy


async def _place_and_pay(settings: Settings) -> UUID:
    container = build_container(settings)
    try:
        tea = await container.catalog.create_product()(
            CreateProduct(
                tenant=Tenant.single(),
                sku="TEA",
                name="Tea",
                price_amount="3.00",
                price_currency="EUR",
                stock=9,
            )
        )
        placed = await container.ordering.place_order()(
            PlaceOrder(
                tenant=Tenant.single(), customer_id=UUID(int=1), lines=(LineRequest(tea.id, 2),)
            )
        )
        await container.ordering.pay_order()(
            PayOrder(tenant=Tenant.single(), order_id=placed.order_id, payment_token=APPROVE)
        )
    finally:
        await close_container(container)
    return placed.order_id


async def _status(settings: Settings, order_id: UUID) -> str:
    container = build_container(settings)
    try:
        return (
            await container.ordering.get_order()(
                GetOrder(tenant=Tenant.single(), order_id=order_id)
            )
        ).status
    finally:
        await close_container(container)


def test_status_catch_up_and_rebuild(sqlite_migrated: Path, tmp_path: Path) -> None:
    url = sqlite_copy(sqlite_migrated, tmp_path)  # a migrated database, as `db upgrade` leaves it
    env = portico_env(database_url=url, log_format="json")
    settings = Settings(database=DatabaseSettings(url=url), logging=LoggingSettings(format="json"))
    order_id = asyncio.run(_place_and_pay(settings))

    behind = run_portico("projections", "status", env=env, cwd=tmp_path)
    caught_up = run_portico("projections", "catch-up", env=env, cwd=tmp_path)
    rebuilt = run_portico("projections", "rebuild", "order_details", env=env, cwd=tmp_path)
    after = run_portico("projections", "status", env=env, cwd=tmp_path)
    unknown = run_portico("projections", "rebuild", "nope", env=env, cwd=tmp_path)

    assert behind.stdout.splitlines() == [
        "order_summaries: 2 events behind",
        "order_details: 2 events behind",
    ]
    assert "4 events applied" in caught_up.stderr
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "order_details: 2 events replayed into generation 2" in rebuilt.stderr
    # Off a terminal, progress is structured lines (on one, a bar on stderr).
    progress = [
        json.loads(line) for line in rebuilt.stdout.splitlines() if "rebuild_progress" in line
    ]
    assert progress[-1]["done"] == progress[-1]["of"] == 2
    assert after.stdout.splitlines() == [
        "order_summaries: 0 events behind",
        "order_details: 0 events behind",
    ]
    assert unknown.returncode == 2
    assert "no projection named nope" in unknown.stderr
    assert asyncio.run(_status(settings, order_id)) == "paid"
