"""EventCodec: domain events <-> stored events (type name, schema version, JSON payload).

Each event class is registered once with its name and CURRENT schema version. When an event's
shape changes, bump the version and register an upcaster from the old version: stored events
are never rewritten, they are upcast one version at a time when read, so decoders only ever
see the current shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from application.shared.ports.event_store import NewEvent, Payload, RecordedEvent
from domain.shared.events import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEvent(ValueError):
    """A stored event whose type or version this codec cannot read."""


@dataclass(frozen=True, slots=True)
class _Entry(Generic[E]):
    cls: type[E]
    name: str
    version: int
    encode: Callable[[E], dict[str, Any]]
    decode: Callable[[Payload, datetime], E]


class EventCodec:
    def __init__(self) -> None:
        self._by_class: dict[type[DomainEvent], _Entry[Any]] = {}
        self._by_name: dict[str, _Entry[Any]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(
        self,
        cls: type[E],
        *,
        name: str,
        version: int,
        encode: Callable[[E], dict[str, Any]],
        decode: Callable[[Payload, datetime], E],
    ) -> None:
        entry = _Entry(cls, name, version, encode, decode)
        self._by_class[cls] = entry
        self._by_name[name] = entry

    def add_upcaster(self, name: str, from_version: int, upcast: Upcaster) -> None:
        """`upcast` turns a payload of `from_version` into one of `from_version + 1`."""
        self._upcasters[(name, from_version)] = upcast

    def encode(self, event: DomainEvent, event_id: UUID) -> NewEvent:
        entry = self._by_class.get(type(event))
        if entry is None:
            raise UnknownEvent(f"{type(event).__name__} is not registered with this codec")
        return NewEvent(
            event_id=event_id,
            type=entry.name,
            schema_version=entry.version,
            payload=entry.encode(event),
            occurred_at=event.occurred_at,
        )

    def decode(self, recorded: RecordedEvent) -> DomainEvent:
        entry = self._by_name.get(recorded.type)
        if entry is None:
            raise UnknownEvent(f"no decoder for events of type {recorded.type!r}")
        payload = dict(recorded.payload)
        version = recorded.schema_version
        if version > entry.version:
            raise UnknownEvent(
                f"{recorded.type} v{version} is newer than this code (v{entry.version})"
            )
        while version < entry.version:
            upcast = self._upcasters.get((recorded.type, version))
            if upcast is None:
                raise UnknownEvent(f"no upcaster for {recorded.type} v{version}")
            payload = upcast(payload)
            version += 1
        event: DomainEvent = entry.decode(payload, recorded.occurred_at)
        return event

    def knows(self, type_name: str) -> bool:
        return type_name in self._by_name
