"""Inbox port: the events a consumer already applied, kept in the consumer's own transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from datetime import datetime
from uuid import UUID


class AlreadyApplied(Exception):
    """The consumer already applied the event (`Inbox.record`): nothing of this unit of work
    was kept."""


class Inbox(ABC):
    @abstractmethod
    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        """Record that `consumer` applies `event_id` in this unit of work; False if it already
        did. The record becomes durable with the unit of work's commit, with the effect."""

    async def record(self, consumer: str, event_id: UUID) -> None:
        """`first_time` for a consumer whose whole effect is this unit of work's writes: raises
        AlreadyApplied if `consumer` already applied `event_id`, here or at the latest at the
        commit (a store may send the record with the effect, one statement, and learn it then).
        """
        if not await self.first_time(consumer, event_id):
            raise AlreadyApplied(f"{consumer} already applied {event_id}")


class InboxRecords(ABC):
    """Every consumer's inbox records at once, for housekeeping."""

    @abstractmethod
    async def forget(self, before: datetime) -> int:
        """Forget records of events applied before `before`: a redelivery arrives within the
        bus's redelivery window, long before the retention ends. Returns how many."""


class DeliveryLog(ABC):
    """The events a consumer whose effect is outside any store (a webhook, a mail) carried out.

    Recorded after the effect, since no transaction spans both: a delivery repeated because its
    acknowledgement was lost (a broker node died with it) finds the record and is dropped; only
    a process that dies between the effect and the record repeats the effect, once."""

    @abstractmethod
    async def carried_out(self, consumer: str, event_id: UUID) -> bool:
        """Whether `consumer` recorded `event_id` as carried out."""

    @abstractmethod
    async def record(self, consumer: str, event_id: UUID) -> None:
        """Record it; recording twice is harmless."""

    @abstractmethod
    async def carried_out_among(self, consumer: str, event_ids: Collection[UUID]) -> set[UUID]:
        """Those of `event_ids` that `consumer` recorded as carried out: one question to the
        store for a batch of events, not one each."""

    @abstractmethod
    async def record_all(self, consumer: str, event_ids: Collection[UUID]) -> None:
        """Record each of them, in one write to the store; recording one twice is harmless."""
