"""EventStore port: append-only streams with optimistic concurrency and one global order.

Events cross this port already encoded (a type name, a schema version and a JSON-compatible
payload), so a store knows nothing of any context's event classes and projections can follow
every stream at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.errors import ConcurrentUpdate

# A JSON-compatible value: dict, list, str, int, float, bool or None, nested.
Payload = Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event about to be appended. `event_id` lets consumers deduplicate."""

    event_id: UUID
    type: str
    schema_version: int
    payload: Payload
    occurred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedEvent:
    """An event as stored: `version` is its place in its stream (from 1), `position` names it
    in the whole store (from 1, unique; an adapter may leave gaps) and is what a reader of
    `read_all` resumes after."""

    stream_id: str
    version: int
    position: int
    event_id: UUID
    type: str
    schema_version: int
    payload: Payload
    occurred_at: datetime


class StreamVersionConflict(ConcurrentUpdate):
    """The stream is not at the version the writer expected: someone appended meanwhile."""

    code = "stream-version-conflict"

    def __init__(self, stream_id: str, expected: int, actual: int | None = None) -> None:
        found = "" if actual is None else f", it is at {actual}"
        super().__init__(f"stream {stream_id} was expected at version {expected}{found}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventStore(ABC):
    """The promises every adapter keeps (tests/contract/test_event_store.py checks them):

    - `append` adds events after `expected_version` (0 for a new stream) atomically, or raises
      StreamVersionConflict and adds nothing. Of two appends at one expected version, one wins.
    - `read_all` returns events in the store's global order, in which each stream's versions
      ascend. Once a reader has read the event at position p, no event can appear before it in
      that order later, so a projection that saves the last position it applied and reads on
      after it never skips an event and never applies one twice. The order is commit order (an
      adapter may hold back events committed after a transaction still open, never skip them);
      positions grow along it except across the concurrent transactions of an adapter whose
      appends do not wait for each other (SQL on PostgreSQL): compare positions for identity,
      not for order.
    """

    @abstractmethod
    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> int:
        """Append and return the stream's new version."""

    @abstractmethod
    async def read(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """The stream's events from `from_version` on, oldest first; [] for an unknown stream."""

    @abstractmethod
    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """At most `limit` events after the one at `after_position` (0: from the start), in the
        store's global order."""

    @abstractmethod
    async def head_position(self) -> int:
        """The position of the last committed event in the store's order (0 when empty). With
        gaps and concurrent appends, `head - position` only estimates how many events follow
        `position` (0 when a reader has read the last one)."""
