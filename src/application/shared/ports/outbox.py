"""Outbox port: integration events written with the state change, waiting to be published."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from application.shared.ports.messaging import IntegrationEvent


class OutboxBatch(ABC):
    """Pending events claimed by one relay, oldest first; no other relay sees them meanwhile."""

    events: list[IntegrationEvent]

    @abstractmethod
    def sent(self, count: int) -> None:
        """The first `count` events were published: mark them sent when the batch closes."""


class Outbox(ABC):
    """Events of committed units of work, published by relays in order per aggregate."""

    @abstractmethod
    def claim(self, limit: int) -> AbstractAsyncContextManager[OutboxBatch]:
        """At most `limit` pending events whose earlier events (same aggregate) are all sent or
        in this batch. Leaving the block marks the reported ones sent and frees the others."""

    @abstractmethod
    async def backlog(self) -> int:
        """How many events wait to be published."""

    @abstractmethod
    async def oldest_pending(self) -> datetime | None:
        """When the first event still waiting to be published occurred; None when none waits."""

    @abstractmethod
    async def purge_sent(self, before: datetime) -> int:
        """Forget events published before `before`; returns how many."""

    @abstractmethod
    async def wait(self, at_most: float, waiter: object = None) -> bool:
        """Return True when new events may be pending (its doorbell rang), False after
        `at_most` seconds; `waiter` as for Doorbell.wait."""
