"""The catalog's published payloads, pinned, and every declaration decodes what it encodes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.event_codec import EventCodec
from domain.catalog.events import ProductChanged, ProductCreated, ProductDeleted, StockAdjusted
from domain.shared.events import DomainEvent
from domain.shared.tenant import Tenant
from tests.support.events import FixedIds, recorded

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PRODUCT = UUID(int=3)
ORGANISATION = UUID(int=9)


def published(*events: DomainEvent) -> list[tuple[str, int, dict[str, Any]]]:
    every = EventRegistry(CATALOG_EVENTS)
    return [(e.type, e.version, e.payload) for e in IntegrationEvents(every, FixedIds())(events)]


def test_the_catalog_publishes_the_payloads_it_always_published() -> None:
    # Plus organisation_id (issue 17): added to v1, as adding a field does not break consumers.
    product, organisation = str(PRODUCT), str(ORGANISATION)

    assert published(
        ProductCreated(
            organisation_id=ORGANISATION,
            aggregate_id=PRODUCT,
            occurred_at=T0,
            sku="S",
            name="N",
            price=Decimal("1.50"),
            currency="EUR",
            stock=4,
        ),
        ProductChanged(
            organisation_id=ORGANISATION,
            aggregate_id=PRODUCT,
            occurred_at=T0,
            version=2,
            changes={"name": "M"},
        ),
        StockAdjusted(
            organisation_id=ORGANISATION,
            aggregate_id=PRODUCT,
            occurred_at=T0,
            version=3,
            delta=-1,
            stock=3,
            reason="r",
        ),
        ProductDeleted(organisation_id=ORGANISATION, aggregate_id=PRODUCT, occurred_at=T0, sku="S"),
    ) == [
        (
            "catalog.ProductCreated",
            1,
            {
                "product_id": product,
                "organisation_id": organisation,
                "sku": "S",
                "name": "N",
                "price": {"amount": "1.50", "currency": "EUR"},
                "stock": 4,
            },
        ),
        (
            "catalog.ProductChanged",
            1,
            {
                "product_id": product,
                "organisation_id": organisation,
                "version": 2,
                "changes": {"name": "M"},
            },
        ),
        (
            "catalog.StockAdjusted",
            1,
            {
                "product_id": product,
                "organisation_id": organisation,
                "version": 3,
                "delta": -1,
                "stock": 3,
                "reason": "r",
            },
        ),
        (
            "catalog.ProductDeleted",
            1,
            {"product_id": product, "organisation_id": organisation, "sku": "S"},
        ),
    ]


def test_an_event_from_before_tenancy_belongs_to_the_single_tenant() -> None:
    old = {"product_id": str(PRODUCT), "sku": "S"}
    declaration = next(d for d in CATALOG_EVENTS if d.event is ProductDeleted)
    event = declaration.decode(old, T0)
    assert isinstance(event, ProductDeleted)
    assert event.organisation_id == Tenant.SINGLE_ID


def test_every_declared_event_decodes_what_it_encodes() -> None:
    events: list[DomainEvent] = [
        ProductCreated(
            organisation_id=Tenant.SINGLE_ID,
            aggregate_id=PRODUCT,
            occurred_at=T0,
            sku="S",
            name="N",
            price=Decimal("1.50"),
            currency="EUR",
            stock=4,
        ),
        ProductChanged(
            organisation_id=Tenant.SINGLE_ID,
            aggregate_id=PRODUCT,
            occurred_at=T0,
            version=2,
            changes={"name": "M"},
        ),
        StockAdjusted(
            organisation_id=Tenant.SINGLE_ID,
            aggregate_id=PRODUCT,
            occurred_at=T0,
            version=3,
            delta=-1,
            stock=3,
            reason="r",
        ),
        ProductDeleted(
            organisation_id=Tenant.SINGLE_ID, aggregate_id=PRODUCT, occurred_at=T0, sku="S"
        ),
    ]
    codec = EventCodec(CATALOG_EVENTS)

    assert [codec.decode(recorded(codec.encode(e, uuid4()))) for e in events] == events
