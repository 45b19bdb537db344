"""EventCodec: domain events <-> stored events, derived from the contexts' event declarations.

An event is stored under its declared name and version with its declared payload. Stored events
are never rewritten: one of a former shape (an older version, or a type name it had before) is
upcast one step at a time when read, so decoders only ever see the current shape.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.shared.event_declarations import ContextEvents, EventDeclaration
from application.shared.ports.event_store import NewEvent, Payload, RecordedEvent
from domain.shared.events import DomainEvent


class UnknownEvent(ValueError):
    """A stored event whose type or version this codec cannot read."""


class EventCodec:
    def __init__(self, *events: ContextEvents) -> None:
        self._by_class: dict[type[DomainEvent], EventDeclaration[Any]] = {}
        self._by_name: dict[str, EventDeclaration[Any]] = {}
        for declaration in (declaration for context in events for declaration in context):
            self._by_class[declaration.event] = declaration
            for name in declaration.stored_names:
                if name in self._by_name:
                    raise ValueError(f"two declarations read stored events named {name!r}")
                self._by_name[name] = declaration

    def encode(self, event: DomainEvent, event_id: UUID) -> NewEvent:
        declaration = self._by_class.get(type(event))
        if declaration is None:
            raise UnknownEvent(f"{type(event).__name__} is not declared to this codec")
        return NewEvent(
            event_id=event_id,
            type=declaration.name,
            schema_version=declaration.version,
            payload=declaration.payload(event),
            occurred_at=event.occurred_at,
        )

    def decode(self, recorded: RecordedEvent) -> DomainEvent:
        declaration = self._by_name.get(recorded.type)
        if declaration is None:
            raise UnknownEvent(f"no decoder for events of type {recorded.type!r}")
        payload = _upcast(declaration, recorded.type, recorded.schema_version, recorded.payload)
        event: DomainEvent = declaration.decode(payload, recorded.occurred_at)
        return event

    def knows(self, type_name: str) -> bool:
        return type_name in self._by_name


def _upcast(
    declaration: EventDeclaration[Any], name: str, version: int, payload: Payload
) -> dict[str, Any]:
    """The payload of a stored `name` v`version` in the declaration's current shape."""
    current = dict(payload)
    if (name, version) == (declaration.name, declaration.version):
        return current
    if name == declaration.name and version > declaration.version:
        raise UnknownEvent(f"{name} v{version} is newer than this code (v{declaration.version})")
    shapes = [(former.name, former.version) for former in declaration.formerly]
    if (name, version) not in shapes:
        raise UnknownEvent(f"no upcaster for {name} v{version}")
    for former in declaration.formerly[shapes.index((name, version)) :]:
        current = former.upcast(current)
    return current
