"""MemoryDeliveryLog: what a consumer carried out, in this process, forgotten after a while."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from application.shared.ports.inbox import DeliveryLog, InboxRecords


class MemoryDeliveryLog(DeliveryLog, InboxRecords):
    def __init__(self) -> None:
        self.records: dict[tuple[str, UUID], datetime] = {}

    async def carried_out(self, consumer: str, event_id: UUID) -> bool:
        return (consumer, event_id) in self.records

    async def record(self, consumer: str, event_id: UUID) -> None:
        self.records.setdefault((consumer, event_id), datetime.now(UTC))

    async def carried_out_among(self, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
        return {event_id for event_id in event_ids if (consumer, event_id) in self.records}

    async def record_all(self, consumer: str, event_ids: Collection[UUID]) -> None:
        now = datetime.now(UTC)
        for event_id in event_ids:
            self.records.setdefault((consumer, event_id), now)

    async def forget(self, before: datetime) -> int:
        old = [key for key, at in self.records.items() if at < before]
        for key in old:
            del self.records[key]
        return len(old)
