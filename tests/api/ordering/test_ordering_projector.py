"""The embedded default keeps the order projections up to date inside the serving process."""

from __future__ import annotations

from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient

from adapters.ordering.payments.fake import APPROVE
from application.catalog.create_product import CreateProduct
from application.ordering.get_order import GetOrder
from application.ordering.pay_order import PayOrder
from application.ordering.place_order import LineRequest, PlaceOrder
from domain.ordering.errors import ProjectionBehind
from domain.shared.tenant import Tenant
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import LoggingSettings, ProjectionSettings, Settings


async def place(container: Container) -> tuple[UUID, int]:
    tea = await container.catalog.create_product()(
        CreateProduct(
            tenant=Tenant.single(),
            sku="TEA",
            name="Tea",
            price_amount="2.00",
            price_currency="EUR",
            stock=3,
        )
    )
    placed = await container.ordering.place_order()(
        PlaceOrder(tenant=Tenant.single(), customer_id=UUID(int=1), lines=(LineRequest(tea.id, 1),))
    )
    return placed.order_id, placed.version


@pytest.mark.parametrize("background", ["serve", "off"])
async def test_a_served_app_projects_orders_unless_told_not_to(background: str) -> None:
    settings = Settings(
        environment="test",
        persistence="memory",
        background=background,  # type: ignore[arg-type]
        logging=LoggingSettings(format="json", level="WARNING"),
        projections=ProjectionSettings(wait=0.5 if background == "off" else 5.0),
    )
    container = build_container(settings)
    async with AsyncTestClient(create_app(container)):
        order_id, version = await place(container)
        query = GetOrder(tenant=Tenant.single(), order_id=order_id, min_version=version)
        if background == "off":
            with pytest.raises(ProjectionBehind):
                await container.ordering.get_order()(query)
        else:
            assert (await container.ordering.get_order()(query)).status == "placed"


async def test_readiness_is_degraded_while_a_projection_falls_behind() -> None:
    settings = Settings(
        environment="test",
        persistence="memory",
        background="off",  # nobody projects: the lag grows with each order
        logging=LoggingSettings(format="json", level="ERROR"),
        projections=ProjectionSettings(lag_degraded=1),
    )
    container = build_container(settings)
    async with AsyncTestClient(create_app(container)) as client:
        before = (await client.get("/health/ready")).json()
        order_id, _ = await place(container)
        await container.ordering.pay_order()(
            PayOrder(tenant=Tenant.single(), order_id=order_id, payment_token=APPROVE)
        )
        behind = await client.get("/health/ready")
        await container.ordering.projector().catch_up()
        after = (await client.get("/health/ready")).json()

    assert before["checks"]["projections"]["status"] == "up"
    assert behind.status_code == 200
    assert behind.json()["status"] == "degraded"
    assert behind.json()["checks"]["projections"]["status"] == "degraded"
    assert "order_details 2 events behind" in behind.json()["checks"]["projections"]["detail"]
    assert after["checks"]["projections"]["status"] == "up"
