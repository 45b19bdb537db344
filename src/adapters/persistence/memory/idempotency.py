"""MemoryIdempotencyStore: idempotency records in a dict (one process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from adapters.persistence.memory.event_store import json_copy
from application.shared.ports.event_store import Payload
from application.shared.ports.idempotency import IdempotencyRecord, IdempotencyStore


@dataclass
class MemoryIdempotencyData:
    records: dict[tuple[str, str], tuple[IdempotencyRecord, datetime]] = field(default_factory=dict)


class MemoryIdempotencyStore(IdempotencyStore):
    def __init__(self, data: MemoryIdempotencyData) -> None:
        self._records = data.records

    async def reserve(
        self, scope: str, key: str, fingerprint: str, now: datetime
    ) -> IdempotencyRecord | None:
        held = self._records.get((scope, key))
        if held is not None:
            return held[0]
        self._records[(scope, key)] = (IdempotencyRecord(fingerprint, None), now)
        return None

    async def complete(self, scope: str, key: str, response: Payload) -> None:
        record, created = self._records[(scope, key)]
        self._records[(scope, key)] = (
            IdempotencyRecord(record.fingerprint, json_copy(response)),
            created,
        )

    async def release(self, scope: str, key: str) -> None:
        held = self._records.get((scope, key))
        if held is not None and held[0].response is None:
            del self._records[(scope, key)]

    async def purge(self, older_than: datetime) -> int:
        return self._forget(lambda record, created: created < older_than)

    async def release_stale(self, claimed_before: datetime) -> int:
        return self._forget(
            lambda record, created: record.response is None and created < claimed_before
        )

    def _forget(self, due: Callable[[IdempotencyRecord, datetime], bool]) -> int:
        old = [k for k, (record, created) in self._records.items() if due(record, created)]
        for k in old:
            del self._records[k]
        return len(old)
