"""MemoryEventStore: streams in lists, with the same contract as the SQL event store.

An append checks and applies without awaiting, so it is atomic for every coroutine of the
process, and positions are handed out in commit order by construction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from application.shared.ports.event_store import (
    EventStore,
    NewEvent,
    Payload,
    RecordedEvent,
    StreamVersionConflict,
)


@dataclass
class MemoryEventLog:
    """The committed events of one process, shared by every store and unit of work over it."""

    events: list[RecordedEvent] = field(default_factory=list)
    streams: dict[str, list[RecordedEvent]] = field(default_factory=dict)

    def version_of(self, stream_id: str) -> int:
        return len(self.streams.get(stream_id, ()))

    def check(self, stream_id: str, expected_version: int) -> None:
        actual = self.version_of(stream_id)
        if actual != expected_version:
            raise StreamVersionConflict(stream_id, expected_version, actual)

    def commit(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> int:
        """Check and append in one step (no await inside): all or nothing."""
        self.check(stream_id, expected_version)
        stream = self.streams.setdefault(stream_id, [])
        for offset, event in enumerate(events, start=1):
            recorded = RecordedEvent(
                stream_id=stream_id,
                version=expected_version + offset,
                position=len(self.events) + 1,
                event_id=event.event_id,
                type=event.type,
                schema_version=event.schema_version,
                payload=json_copy(event.payload),
                occurred_at=event.occurred_at,
            )
            stream.append(recorded)
            self.events.append(recorded)
        return expected_version + len(events)

    def read(self, stream_id: str, from_version: int) -> list[RecordedEvent]:
        return list(self.streams.get(stream_id, ())[max(from_version, 1) - 1 :])

    def read_all(self, after_position: int, limit: int) -> list[RecordedEvent]:
        start = max(after_position, 0)
        return self.events[start : start + limit]


def json_copy(payload: Payload) -> Payload:
    """What a JSON column would give back: refuses what JSON cannot hold, shares nothing."""
    copied: Payload = json.loads(json.dumps(payload))
    return copied


class MemoryEventStore(EventStore):
    def __init__(self, log: MemoryEventLog) -> None:
        self._log = log

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> int:
        return self._log.commit(stream_id, expected_version, events)

    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        return self._log.read(stream_id, from_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return self._log.read_all(after_position, limit)

    async def head_position(self) -> int:
        return len(self._log.events)
