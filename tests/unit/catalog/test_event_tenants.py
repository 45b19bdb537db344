"""The one rule of an event's tenant (DomainEvent.tenant), as IntegrationEvents applies it, and
the guard that keeps a consumer of one organisation's event from recording another's."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from adapters.system.ids import Uuid7Generator
from application.catalog.product_events import CATALOG_EVENTS
from application.identity.identity_events import IDENTITY_EVENTS
from application.messaging.context import MessageContext, message_context
from application.messaging.registry import EventRegistry, ForeignTenant, IntegrationEvents
from domain.catalog.events import ProductDeleted
from domain.identity.events import UserRegistered
from domain.shared.tenant import Tenant

NOW = datetime(2026, 12, 4, tzinfo=UTC)
A = Tenant(UUID("0a0a0a0a-0000-4000-8000-00000000000a"))
B = Tenant(UUID("0b0b0b0b-0000-4000-8000-00000000000b"))
to_integration = IntegrationEvents(EventRegistry(CATALOG_EVENTS, IDENTITY_EVENTS), Uuid7Generator())


def deleted(tenant: Tenant) -> ProductDeleted:
    return ProductDeleted(
        aggregate_id=UUID(int=1), occurred_at=NOW, organisation_id=tenant.organisation_id, sku="S"
    )


def registered() -> UserRegistered:
    return UserRegistered(aggregate_id=UUID(int=2), occurred_at=NOW, email="a@b.c", roles=())


def test_an_event_belongs_to_the_organisation_it_names_else_to_the_single_tenant() -> None:
    assert deleted(A).tenant == A
    assert registered().tenant == Tenant.single()
    assert [e.tenant for e in to_integration([deleted(A), registered()])] == [A, Tenant.single()]


def test_a_consumer_of_one_organisations_event_records_no_event_of_another() -> None:
    within_a = MessageContext(causation_id="cause", tenant=A)
    with message_context(within_a):
        kept = to_integration([deleted(A), registered()])
        with pytest.raises(ForeignTenant):
            to_integration([deleted(B)])
    with message_context(MessageContext(tenant=Tenant.single())):
        assert [e.tenant for e in to_integration([deleted(B)])] == [B]
    assert [e.tenant for e in kept] == [A, Tenant.single()]
