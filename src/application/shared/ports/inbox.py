"""Inbox port: the events a consumer already applied, kept in the consumer's own transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from uuid import UUID


class Inbox(ABC):
    @abstractmethod
    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        """Record that `consumer` applies `event_id` in this unit of work; False if it already
        did. The record becomes durable with the unit of work's commit, with the effect."""


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
