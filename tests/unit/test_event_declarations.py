"""One declaration per event type: the event store codec and the published events derive from it.

Shown on a context a fork might add; each context pins its own published payloads (a contract
with consumers) in tests/unit/<context>/.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.event_codec import EventCodec
from application.shared.event_declarations import ContextEvents, EventDeclaration, Former
from domain.shared.events import DomainEvent
from tests.support.events import FixedIds, recorded

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PRODUCT = UUID(int=3)


# A context a fork might add: its one event is declared once, and nothing else is edited.
@dataclass(frozen=True, slots=True, kw_only=True)
class TeaTasted(DomainEvent):
    verdict: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TeaSipped(DomainEvent):
    """A second event class, to declare under a name already taken."""


def tasted(version: int = 1, *formerly: Former) -> EventDeclaration[TeaTasted]:
    return EventDeclaration(
        event=TeaTasted,
        name="tasting.TeaTasted",
        version=version,
        encode=lambda e: {"tea_id": str(e.aggregate_id), "verdict": e.verdict},
        decode=lambda p, at: TeaTasted(
            aggregate_id=UUID(p["tea_id"]), occurred_at=at, verdict=p["verdict"]
        ),
        formerly=formerly,
    )


def test_a_new_declaration_is_stored_and_published_without_other_edits() -> None:
    tasting = ContextEvents("tasting", tasted())
    event = TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="smoky")

    stored = EventCodec(tasting).encode(event, uuid4())
    registry = EventRegistry(tasting)
    [sent] = IntegrationEvents(registry, FixedIds())([event])

    assert (
        (stored.type, stored.schema_version)
        == (sent.type, sent.version)
        == ("tasting.TeaTasted", 1)
    )
    assert stored.payload == sent.payload == {"tea_id": str(PRODUCT), "verdict": "smoky"}
    assert EventCodec(tasting).decode(recorded(stored)) == event
    assert registry.contexts == ["tasting"]


def test_a_new_version_reads_the_rows_of_the_old_one_through_its_upcaster() -> None:
    def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"tea_id": payload["tea"], "verdict": payload["verdict"]}

    codec = EventCodec(
        ContextEvents("tasting", tasted(2, Former("tasting.TeaTasted", 1, v1_to_v2)))
    )
    old = codec.encode(TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="ok"), uuid4())
    row = recorded(old, schema_version=1, payload={"tea": str(PRODUCT), "verdict": "ok"})

    assert codec.decode(row) == TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="ok")
    assert codec.encode(codec.decode(row), uuid4()).schema_version == 2


def test_declarations_refuse_what_would_say_a_thing_twice() -> None:
    with pytest.raises(ValueError, match="<context>"):
        replace(tasted(), name="TeaTasted")
    with pytest.raises(ValueError, match="older"):
        tasted(1, Former("tasting.TeaTasted", 2, lambda p: p))
    with pytest.raises(ValueError, match="listed once"):
        tasted(
            2,
            Former("tasting.TeaTasted", 1, lambda p: p),
            Former("tasting.TeaTasted", 1, lambda p: p),
        )
    with pytest.raises(ValueError, match=r"'tasting\.<Name>'"):
        ContextEvents("tasting", replace(tasted(), name="cellar.TeaTasted"))
    with pytest.raises(ValueError, match="twice"):
        ContextEvents("tasting", tasted(), replace(tasted(), name="tasting.TeaSipped"))
    with pytest.raises(ValueError, match="stored type name"):
        ContextEvents("tasting", tasted(), replace(tasted(), event=TeaSipped))


def test_a_committed_event_is_encoded_once_for_the_store_and_the_outbox() -> None:
    encoded: list[str] = []

    def encode(e: TeaTasted) -> dict[str, Any]:
        encoded.append(e.verdict)
        return {"tea_id": str(e.aggregate_id), "verdict": e.verdict}

    declaration = replace(tasted(), encode=encode)
    sipped = EventDeclaration(
        event=TeaSipped,
        name="tasting.TeaSipped",
        version=1,
        encode=lambda e: {},
        decode=lambda p, at: TeaSipped(aggregate_id=PRODUCT, occurred_at=at),
    )
    tasting = ContextEvents("tasting", declaration, sipped)
    codec, publish = EventCodec(tasting), IntegrationEvents(EventRegistry(tasting), FixedIds())
    event = TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="smoky")

    stored = codec.encode(event, uuid4())
    # As a commit's outbox does: another type's event first, then the stored one.
    [_, sent] = publish([TeaSipped(aggregate_id=PRODUCT, occurred_at=T0), event])
    again = TeaTasted(aggregate_id=PRODUCT, occurred_at=T0, verdict="smoky")
    codec.encode(again, uuid4())

    assert sent.payload == stored.payload == {"tea_id": str(PRODUCT), "verdict": "smoky"}
    assert encoded == ["smoky", "smoky"]  # the same event once; an equal new one anew
