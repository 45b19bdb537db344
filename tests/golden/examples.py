"""Golden events: one stored example of every shape an event was ever persisted in.

A file `events/<context>/<type>.v<version>.json` holds an event as the event store and the
outbox keep it (its type, schema version, aggregate, time and payload). Files are history: they
are never edited, only added. tests/golden/test_golden_events.py reads each back through the
codec and its upcasters, and fails when a declared shape has no file.

`python -m tests.golden.examples` (`make golden`) writes the missing files of the current
versions from an example event built from the event class's fields, and of a former shape that
kept the next one's payload (`Former.same_shape`). A former shape with an upcaster of its own is
written by hand: only its author knows what it looked like.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application.shared.event_declarations import ContextEvents, EventDeclaration, Former
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from entrypoints.modules import load_modules

GOLDEN = Path(__file__).parent / "events"
AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
# Values a field name implies, so the examples read like real events.
_BY_NAME: dict[str, Any] = {"currency": "EUR", "sku": "SKU-0001", "reason": "example reason"}
_UNCHANGED = Former.same_shape("Any", 1).upcast


def contexts() -> list[ContextEvents]:
    return [module.events for module in load_modules() if module.events is not None]


def path_of(context: str, type_name: str, version: int) -> Path:
    return GOLDEN / context / f"{type_name}.v{version}.json"


def shapes(declaration: EventDeclaration[Any]) -> list[tuple[str, int]]:
    """Every (type, version) events of the declaration are stored under, oldest first."""
    formers = [(former.name, former.version) for former in declaration.formerly]
    return [*formers, (declaration.name, declaration.version)]


def _value(name: str, hint: Any, owner: str) -> Any:
    if name in _BY_NAME:
        return _BY_NAME[name]
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType):  # `X | None`: the example has an X
        return _value(name, next(arg for arg in args if arg is not type(None)), owner)
    origin = typing.get_origin(hint)
    if origin is tuple:
        return (_value(name, args[0], owner),)
    if origin is dict:
        return {"name": "example name"}
    simple = {
        str: f"example {name}",
        int: 2,
        float: 1.5,
        bool: True,
        Decimal: Decimal("12.50"),
        datetime: AT,
        UUID: uuid5(NAMESPACE_URL, f"{owner}.{name}"),
        Money: Money.of("12.50", "EUR"),
    }
    if hint in simple:
        return simple[hint]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return build(hint)
    raise TypeError(f"{owner}.{name}: no example for {hint!r}; write its golden file by hand")


def build(cls: type[Any]) -> Any:
    """An instance of a dataclass (an event, or a value inside one) with example values."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name == "aggregate_id":
            values[field.name] = uuid5(NAMESPACE_URL, cls.__qualname__)
        elif field.name == "occurred_at":
            values[field.name] = AT
        else:
            values[field.name] = _value(field.name, hints[field.name], cls.__qualname__)
    return cls(**values)


def stored(type_name: str, version: int, event: DomainEvent, payload: Any) -> dict[str, Any]:
    return {
        "type": type_name,
        "version": version,
        "aggregate_id": str(event.aggregate_id),
        "occurred_at": event.occurred_at.isoformat(),
        "payload": payload,
    }


def write_missing() -> tuple[list[Path], list[Path]]:
    """The files written, and those only a person can write (former shapes with an upcaster)."""
    written, by_hand = [], []
    for events in contexts():
        for declaration in events:
            event = build(declaration.event)
            payload = declaration.encode(event)
            # What has the current payload: the current shape, and the same-shape former ones.
            same = {(f.name, f.version) for f in declaration.formerly if f.upcast is _UNCHANGED}
            same.add((declaration.name, declaration.version))
            for type_name, version in shapes(declaration):
                path = path_of(events.context, type_name, version)
                if path.is_file():
                    continue
                if (type_name, version) not in same:
                    by_hand.append(path)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                document = stored(type_name, version, event, payload)
                path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
                written.append(path)
    return written, by_hand


def main() -> int:
    root = GOLDEN.parents[2]
    written, by_hand = write_missing()
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    for path in by_hand:
        print(f"write {path.relative_to(root)} by hand: a former shape with its own upcaster")
    return 1 if by_hand else 0


if __name__ == "__main__":
    sys.exit(main())
