"""EventRegistry: which domain events are published, under which type and schema version.

A context registers each of its domain event classes once, with a function that builds the
payload (plain JSON values). Changing a payload incompatibly means a new version number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from application.messaging.context import current_context
from application.shared.ports.ids import IdGenerator
from application.shared.ports.messaging import IntegrationEvent
from domain.shared.events import DomainEvent

Payload = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    version: int

    @property
    def context(self) -> str:
        return self.name.split(".", 1)[0]


class UnknownEvent(LookupError):
    """A domain event class nobody registered: publish it or declare it private."""


class EventRegistry:
    def __init__(self) -> None:
        self._by_class: dict[type[DomainEvent], tuple[EventType, Payload]] = {}
        self._by_name: dict[str, EventType] = {}
        self._private: set[type[DomainEvent]] = set()

    def register(
        self, event_class: type[DomainEvent], name: str, version: int, payload: Payload
    ) -> None:
        context, _, short = name.partition(".")
        if not context.isidentifier() or not short.isidentifier() or version < 1:
            raise ValueError(f"{name!r} v{version}: use '<context>.<Name>' and a version >= 1")
        if name in self._by_name and self._by_name[name].version != version:
            raise ValueError(f"{name} is registered as version {self._by_name[name].version}")
        event_type = EventType(name, version)
        self._by_class[event_class] = (event_type, payload)
        self._by_name[name] = event_type

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

    def entry(self, event: DomainEvent) -> tuple[EventType, Payload] | None:
        found = self._by_class.get(type(event))
        if found is None and type(event) not in self._private:
            raise UnknownEvent(f"{type(event).__qualname__} is not registered for publishing")
        return found


class IntegrationEvents:
    """Turns the domain events of a commit into the integration events its outbox keeps."""

    def __init__(self, registry: EventRegistry, ids: IdGenerator) -> None:
        self.registry = registry
        self._ids = ids

    def __call__(self, events: Sequence[DomainEvent]) -> list[IntegrationEvent]:
        context = current_context()
        published: list[IntegrationEvent] = []
        for event in events:
            found = self.registry.entry(event)
            if found is None:
                continue
            event_type, payload = found
            published.append(
                IntegrationEvent(
                    id=self._ids.new_id(),
                    type=event_type.name,
                    version=event_type.version,
                    occurred_at=event.occurred_at,
                    aggregate_id=event.aggregate_id,
                    payload=payload(event),
                    correlation_id=context.correlation_id,
                    causation_id=context.causation_id,
                    actor=context.actor,
                )
            )
        return published
