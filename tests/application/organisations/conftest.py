"""The organisation use cases' fixtures: memory units of work writing to an outbox."""

from __future__ import annotations

import pytest

from adapters.organisations.memory import MemoryOrganisationStore, MemoryOrganisationUnitOfWork
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.system.ids import Uuid7Generator
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.organisations.create_organisation import CreateOrganisation
from application.organisations.organisation_events import ORGANISATION_EVENTS
from application.organisations.ports import OrganisationUnitOfWorkFactory
from domain.organisations.repository import OrganisationUnitOfWork

ids = Uuid7Generator()


@pytest.fixture
def outbox() -> MemoryOutbox:
    return MemoryOutbox(IntegrationEvents(EventRegistry(ORGANISATION_EVENTS), ids))


@pytest.fixture
def uow(outbox: MemoryOutbox) -> OrganisationUnitOfWorkFactory:
    store = MemoryOrganisationStore()

    def factory(*, read_only: bool = False) -> OrganisationUnitOfWork:
        return MemoryOrganisationUnitOfWork(store, read_only=read_only, outbox=outbox)

    return factory


def a_new_organisation() -> CreateOrganisation:
    return CreateOrganisation(
        name="Sample",
    )
