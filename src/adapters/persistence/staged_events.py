"""StagedEvents: a unit of work's event-store appends, held until its commit writes them.

Appends to one stream within the unit of work must follow each other (each expects the version
the last left); the commit writes each stream's events with the version its first append
expected, where the store checks it. The reads are the store's (the subclasses')."""

from __future__ import annotations

from collections.abc import Sequence

from application.shared.ports.event_store import EventStore, NewEvent, StreamVersionConflict


class StagedEvents(EventStore):
    def __init__(self) -> None:
        self.staged: dict[str, tuple[int, list[NewEvent]]] = {}

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> int:
        if stream_id in self.staged:
            first_expected, pending = self.staged[stream_id]
            if expected_version != first_expected + len(pending):
                raise StreamVersionConflict(
                    stream_id, expected_version, first_expected + len(pending)
                )
            pending.extend(events)
        else:
            self._check_first(stream_id, expected_version)
            self.staged[stream_id] = (expected_version, list(events))
        return expected_version + len(events)

    def _check_first(self, stream_id: str, expected_version: int) -> None:
        """A stream's first append: refuse a stale version at once where that costs nothing
        (the memory log); by default the commit's write checks it."""
