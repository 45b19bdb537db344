"""A plain event's declaration is derived from its fields; a new event needs no code of its own."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.event_codec import EventCodec
from application.shared.event_declarations import EventDeclaration
from application.shared.plain_events import declared_in, plain
from application.shared.ports.event_store import RecordedEvent
from domain.shared.events import DomainEvent
from domain.shared.money import Money
from tests.support.events import FixedIds

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TEA = UUID(int=7)
# A context a fork might add: its events module, with one plain event and one by hand.
CELLAR_EVENTS = """
from __future__ import annotations
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from domain.shared.events import DomainEvent

@dataclass(frozen=True, slots=True, kw_only=True)
class TeaAged(DomainEvent):
    months: int
    grade: str
    price: Decimal
    tasted_at: datetime | None = None

@dataclass(frozen=True, slots=True, kw_only=True)
class TeaSold(DomainEvent):
    buyer: UUID
"""
cellar = types.ModuleType("tests.unit.cellar_events")
sys.modules[cellar.__name__] = cellar  # where type hints are resolved, as for a real module
exec(CELLAR_EVENTS, cellar.__dict__)
TeaAged: Any = cellar.TeaAged
TeaSold: Any = cellar.TeaSold


@dataclass(frozen=True, slots=True, kw_only=True)
class TeaPriced(DomainEvent):
    price: Money


def test_a_plain_event_publishes_its_fields_and_is_read_back() -> None:
    declaration = plain(TeaAged, "cellar", id_key="tea_id")
    aged = TeaAged(aggregate_id=TEA, occurred_at=T0, months=18, grade="A", price=Decimal("9.50"))
    encoded = declaration.encode(aged)

    assert (declaration.name, declaration.version) == ("cellar.TeaAged", 1)
    assert encoded == {
        "tea_id": str(TEA),
        "months": 18,
        "grade": "A",
        "price": "9.50",
        "tasted_at": None,
    }
    assert declaration.decode(encoded, T0) == aged
    tasted = TeaAged(
        aggregate_id=TEA, occurred_at=T0, months=1, grade="B", price=Decimal(1), tasted_at=T0
    )
    assert declaration.decode(declaration.encode(tasted), T0) == tasted


def test_an_event_with_richer_fields_must_be_declared_by_hand() -> None:
    with pytest.raises(TypeError, match=r"TeaPriced\.price .*declare TeaPriced by hand"):
        plain(TeaPriced, "cellar", id_key="tea_id")


def test_every_event_of_a_module_is_declared_by_hand_or_plainly_and_published() -> None:
    by_hand: EventDeclaration[Any] = EventDeclaration(
        event=TeaSold,
        name="cellar.TeaSold",
        version=2,
        encode=lambda e: {"tea": str(e.aggregate_id), "to": str(e.buyer)},
        decode=lambda p, at: TeaSold(
            aggregate_id=UUID(p["tea"]), occurred_at=at, buyer=UUID(p["to"])
        ),
    )
    events = declared_in("cellar", cellar, by_hand, id_key="tea_id")

    assert {(d.name, d.version) for d in events} == {("cellar.TeaAged", 1), ("cellar.TeaSold", 2)}
    aged = TeaAged(aggregate_id=TEA, occurred_at=T0, months=3, grade="C", price=Decimal(2))
    [sent] = IntegrationEvents(EventRegistry(events), FixedIds())([aged])
    stored = EventCodec(events).encode(aged, uuid4())
    assert (sent.type, sent.payload) == ("cellar.TeaAged", stored.payload)
    row = RecordedEvent(
        stream_id="tea",
        version=1,
        position=1,
        event_id=stored.event_id,
        type=stored.type,
        schema_version=stored.schema_version,
        payload=stored.payload,
        occurred_at=T0,
    )
    assert EventCodec(events).decode(row) == aged


def test_a_plain_event_declares_the_schema_of_its_payload() -> None:
    declaration = plain(TeaAged, "cellar", id_key="tea_id")
    payload = declaration.encode(
        TeaAged(aggregate_id=TEA, occurred_at=T0, months=3, grade="A", price=Decimal("9.5"))
    )
    schema = msgspec.json.schema(declaration.schema)["$defs"]["TeaAgedPayload"]
    assert set(schema["required"]) == {"tea_id", "months", "grade", "price", "tasted_at"}
    assert schema["properties"]["tasted_at"]["anyOf"][1] == {"type": "null"}
    assert msgspec.convert(payload, declaration.schema)["price"] == Decimal("9.5")
    with pytest.raises(msgspec.ValidationError, match="months"):
        msgspec.convert({**payload, "months": "three"}, declaration.schema)
