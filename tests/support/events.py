"""Event helpers for tests: a stored row made from what a codec encoded."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from application.shared.ports.event_store import NewEvent, RecordedEvent


class FixedIds:
    """Every integration event gets the same id, so published events compare equal."""

    def new_id(self) -> UUID:
        return UUID(int=99)


def recorded(new: NewEvent, **changes: Any) -> RecordedEvent:
    """The row the event store would hold for `new` (first of stream "s"), with `changes`."""
    row = RecordedEvent(
        stream_id="s",
        version=1,
        position=1,
        event_id=new.event_id,
        type=new.type,
        schema_version=new.schema_version,
        payload=new.payload,
        occurred_at=new.occurred_at,
    )
    return replace(row, **changes)
