"""One declaration per event type: its name, schema version and payload, said once.

A context lists its declarations in one `ContextEvents` (e.g. application/ordering/order_events.py).
The event store codec, the integration-event registry and what reacts to a context's events (the
catalog's cache invalidation) derive from that list, so a new event is one declaration.

The name and version are both the stored type and the published one, and the payload is the same
in the event store and on the bus. Published payloads are a contract with other contexts: adding
a field is compatible, removing or changing one needs a new version. Stored events are never
rewritten: a declaration lists the shapes its events were stored in before (`formerly`), and the
codec upcasts an old one, one step at a time, when it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypedDict, TypeVar

from application.shared.ports.event_store import Payload
from domain.shared.events import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# EventDeclaration.payload's memory: the last event of each type encoded, and its payload.
_last_encoded: dict[type[DomainEvent], tuple[DomainEvent, dict[str, Any]]] = {}


@dataclass(frozen=True, slots=True)
class Former:
    """A shape events of a type were stored in: its type name and version then, and how such a
    payload becomes the next shape (the next `Former` of the declaration, else the current)."""

    name: str
    version: int
    upcast: Upcaster

    @classmethod
    def same_shape(cls, name: str, version: int) -> Former:
        """A former name (or version) whose payload already has the next shape."""
        return cls(name, version, _unchanged)


def _unchanged(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


class MoneyPayload(TypedDict):
    """An amount of money: a decimal string with at most two places, and its ISO 4217 code."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDeclaration(Generic[E]):
    event: type[E]
    name: str  # "<context>.<Name>"
    version: int
    encode: Callable[[E], dict[str, Any]]  # plain JSON values
    decode: Callable[[Payload, datetime], E]  # the current shape back to the event
    formerly: tuple[Former, ...] = ()  # oldest first
    # The payload's shape, as a TypedDict: its JSON Schema is the published one (docs/api.md).
    schema: type | None = None

    def __post_init__(self) -> None:
        context, _, short = self.name.partition(".")
        if not context.isidentifier() or not short.isidentifier() or self.version < 1:
            raise ValueError(f"{self.name!r} v{self.version}: use '<context>.<Name>' and v >= 1")
        shapes = [(former.name, former.version) for former in self.formerly]
        if len(set(shapes)) != len(shapes) or (self.name, self.version) in shapes:
            raise ValueError(f"{self.name}: each former shape is listed once")
        if any(name == self.name and version > self.version for name, version in shapes):
            raise ValueError(f"{self.name}: a former version is older than v{self.version}")

    def payload(self, event: E) -> dict[str, Any]:
        """`encode(event)`, built once for both of a commit's uses of it: the event store's row,
        then, with no await between, the outbox's integration event (an order's OrderPlaced was
        encoded twice per order: bench/README.md, session 19). The last event of each type
        encoded is kept by identity (an event is immutable; other types' encodings between do
        not evict it), and its payload shared: nobody changes a payload."""
        last = _last_encoded.get(self.event)
        if last is not None and last[0] is event:
            return last[1]
        payload = self.encode(event)
        _last_encoded[self.event] = (event, payload)
        return payload

    @property
    def context(self) -> str:
        return self.name.partition(".")[0]

    @property
    def short_name(self) -> str:
        """The name inside its own context: "OrderPlaced" for "ordering.OrderPlaced"."""
        return self.name.partition(".")[2]

    @property
    def stored_names(self) -> frozenset[str]:
        """Every type name stored events of this declaration may carry."""
        return frozenset({self.name, *(former.name for former in self.formerly)})


class ContextEvents:
    """The events one context declares: what it stores and what it publishes."""

    def __init__(self, context: str, *declarations: EventDeclaration[Any]) -> None:
        stored = [name for declaration in declarations for name in declaration.stored_names]
        if any(declaration.context != context for declaration in declarations):
            raise ValueError(f"every event declared by {context!r} is named '{context}.<Name>'")
        if len(set(stored)) != len(stored):
            raise ValueError(f"{context}: two declarations claim one stored type name")
        if len({declaration.event for declaration in declarations}) != len(declarations):
            raise ValueError(f"{context}: an event class is declared twice")
        self.context = context
        self.declarations = declarations

    def __iter__(self) -> Iterator[EventDeclaration[Any]]:
        return iter(self.declarations)

    @property
    def classes(self) -> tuple[type[DomainEvent], ...]:
        return tuple(declaration.event for declaration in self.declarations)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(declaration.name for declaration in self.declarations)
