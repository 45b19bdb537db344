"""VersionedAggregate: an aggregate kept as state, guarded by optimistic concurrency."""

from __future__ import annotations

from datetime import datetime

from domain.shared.events import EventRecorder


class VersionedAggregate(EventRecorder):
    """`version` counts committed changes and starts at 1; changes made in one unit of work move
    it on once. `persisted_version` is what the store holds (0 before the first save):
    repositories write only where the stored version is still `persisted_version`.
    """

    __slots__ = ("_persisted_version", "updated_at", "version")

    def __init__(self, *, version: int, updated_at: datetime) -> None:
        super().__init__()
        self.version = version
        self.updated_at = updated_at
        self._persisted_version = version

    @property
    def persisted_version(self) -> int:
        return self._persisted_version

    def mark_persisted(self) -> None:
        self._persisted_version = self.version

    def _mark_new(self) -> None:
        self._persisted_version = 0

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        if self.version == self._persisted_version:
            self.version += 1
