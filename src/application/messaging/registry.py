"""EventRegistry: which domain events are published, under which type and schema version.

It is built from the contexts' event declarations (application/shared/event_declarations.py):
each declared event is published under its declared name and version, with its declared payload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from application.messaging.context import current_context
from application.shared.event_declarations import ContextEvents, EventDeclaration
from application.shared.ports.ids import IdGenerator
from application.shared.ports.messaging import IntegrationEvent
from application.shared.ports.tracing import NoTracing, Tracing
from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    version: int

    @property
    def context(self) -> str:
        return self.name.split(".", 1)[0]


class UnknownEvent(LookupError):
    """A domain event class nobody registered: publish it or declare it private."""


class ForeignTenant(RuntimeError):
    """A consumer acting for one organisation's event recorded an event of another."""


class EventRegistry:
    def __init__(self, *published: ContextEvents) -> None:
        self._by_class: dict[type[DomainEvent], EventDeclaration[Any]] = {}
        self._by_name: dict[str, EventType] = {}
        self._private: set[type[DomainEvent]] = set()
        for events in published:
            self.publish(events)

    def publish(self, events: ContextEvents) -> None:
        for declaration in events:
            self.register(declaration)

    def register(self, declaration: EventDeclaration[Any]) -> None:
        name, version = declaration.name, declaration.version
        if name in self._by_name and self._by_name[name].version != version:
            raise ValueError(f"{name} is registered as version {self._by_name[name].version}")
        self._by_class[declaration.event] = declaration
        self._by_name[name] = EventType(name, version)

    def keep_private(self, event_class: type[DomainEvent]) -> None:
        """Declare a domain event that stays inside its context (no integration event)."""
        self._private.add(event_class)

    def type_of(self, name: str) -> EventType | None:
        return self._by_name.get(name)

    @property
    def types(self) -> list[EventType]:
        return sorted(self._by_name.values(), key=lambda t: t.name)

    @property
    def contexts(self) -> list[str]:
        return sorted({t.context for t in self._by_name.values()})

    def entry(self, event: DomainEvent) -> EventDeclaration[Any] | None:
        found = self._by_class.get(type(event))
        if found is None and type(event) not in self._private:
            raise UnknownEvent(f"{type(event).__qualname__} is not registered for publishing")
        return found


class IntegrationEvents:
    """Turns the domain events of a commit into the integration events its outbox keeps."""

    def __init__(
        self, registry: EventRegistry, ids: IdGenerator, tracing: Tracing | None = None
    ) -> None:
        self.registry = registry
        self._ids = ids
        self._tracing = tracing or NoTracing()

    def __call__(self, events: Sequence[DomainEvent]) -> list[IntegrationEvent]:
        context = current_context()
        traceparent = self._tracing.traceparent()  # the request's (or consumer's) span
        published: list[IntegrationEvent] = []
        for event in events:
            declaration = self.registry.entry(event)
            if declaration is None:
                continue
            tenant = event.tenant
            acting = context.tenant
            if acting is not None and not (
                tenant.is_single or acting.is_single or tenant == acting
            ):
                raise ForeignTenant(
                    f"{declaration.name} of organisation {tenant.organisation_id} recorded while "
                    f"consuming an event of organisation {acting.organisation_id}"
                )
            published.append(
                IntegrationEvent(
                    id=self._ids.new_id(),
                    type=declaration.name,
                    version=declaration.version,
                    occurred_at=event.occurred_at,
                    aggregate_id=event.aggregate_id,
                    payload=declaration.payload(event),
                    correlation_id=context.correlation_id,
                    causation_id=context.causation_id,
                    actor=context.actor,
                    traceparent=traceparent,
                    tenant=tenant,
                )
            )
        return published
