"""The declaration of a plain event, derived from its fields: a new event needs no code of its own.

A plain event's fields are scalars (str, int, float, bool, Decimal, UUID, datetime, or None of
one): its payload names the aggregate by `id_key` and carries each field as JSON (Decimal, UUID
and datetime as strings). An event with richer fields (money, lines) is declared by hand.
`declared_in` gives every event class of a domain module a declaration: the hand-written ones
given, a plain one for the rest, so adding an event to domain/<context>/events.py publishes it.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.shared.event_declarations import ContextEvents, EventDeclaration
from application.shared.ports.event_store import Payload
from domain.shared.events import DomainEvent

_OUT: dict[type, Callable[[Any], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    Decimal: str,
    UUID: str,
    datetime: datetime.isoformat,
}
_IN: dict[type, Callable[[Any], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    Decimal: Decimal,
    UUID: UUID,
    datetime: datetime.fromisoformat,
}
_FIXED = ("aggregate_id", "occurred_at")


def _scalar(event: type[DomainEvent], name: str, hint: Any) -> tuple[type, bool]:
    """The field's scalar type and whether it may be None; TypeError for anything richer."""
    args = typing.get_args(hint)
    optional = isinstance(hint, types.UnionType) and type(None) in args
    kinds = [arg for arg in args if arg is not type(None)] if optional else [hint]
    if len(kinds) != 1 or kinds[0] not in _OUT:
        raise TypeError(
            f"{event.__name__}.{name} is {hint!r}: declare {event.__name__} by hand "
            "(a plain event has str, int, float, bool, Decimal, UUID or datetime fields)"
        )
    return kinds[0], optional


# TypedDict's functional form, with a name and fields known only when the event is declared.
_typed_dict: Callable[[str, dict[str, Any]], type] = typing.TypedDict  # type: ignore[assignment]


def plain(event: type[DomainEvent], context: str, *, id_key: str) -> EventDeclaration[Any]:
    hints = typing.get_type_hints(event)
    fields = {
        field.name: _scalar(event, field.name, hints[field.name])
        for field in dataclasses.fields(event)
        if field.name not in _FIXED
    }

    def encode(e: DomainEvent) -> dict[str, Any]:
        payload: dict[str, Any] = {id_key: str(e.aggregate_id)}
        for name, (kind, _) in fields.items():
            value = getattr(e, name)
            payload[name] = None if value is None else _OUT[kind](value)
        return payload

    def decode(p: Payload, at: datetime) -> DomainEvent:
        values = {
            name: None if p.get(name) is None else _IN[kind](p[name])
            for name, (kind, _) in fields.items()
        }
        return event(aggregate_id=UUID(p[id_key]), occurred_at=at, **values)

    shape = {id_key: UUID} | {
        name: kind | None if optional else kind for name, (kind, optional) in fields.items()
    }
    schema = _typed_dict(f"{event.__name__}Payload", shape)
    return EventDeclaration(
        event=event,
        name=f"{context}.{event.__name__}",
        version=1,
        encode=encode,
        decode=decode,
        schema=schema,
    )


def declared_in(
    context: str, module: types.ModuleType, *by_hand: EventDeclaration[Any], id_key: str
) -> ContextEvents:
    """Every event class defined in `module`: by hand where given, plain otherwise."""
    done = {declaration.event for declaration in by_hand}
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, DomainEvent)
        and cls is not DomainEvent
        and cls.__module__ == module.__name__
    ]
    derived = [plain(cls, context, id_key=id_key) for cls in found if cls not in done]
    return ContextEvents(context, *by_hand, *derived)
