"""Domain events: facts recorded by aggregates, collected by the unit of work after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.shared.tenant import Tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    aggregate_id: UUID
    occurred_at: datetime

    @property
    def tenant(self) -> Tenant:
        """The tenant the event belongs to: the one place that says so (docs/tenancy.md).

        An event of a tenant's data declares an `organisation_id` field; any other event (an
        account's, a platform's) belongs to the single tenant.
        """
        organisation_id = getattr(self, "organisation_id", None)
        return Tenant(organisation_id) if isinstance(organisation_id, UUID) else Tenant.single()


class EventRecorder:
    """Mixin for aggregates: records events until the unit of work pulls them."""

    __slots__ = ("_events",)

    def __init__(self) -> None:
        self._events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events
