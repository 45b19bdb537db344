"""Notification and the Notifier port: a message for one customer about one of their things.

`id` is stable for one fact (the integration event's id): a channel that may deliver twice
(every consumer is at-least-once) passes it on, so the receiver can drop a repeat.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    id: UUID
    customer_id: UUID
    # What it is about, e.g. "order.paid"; receivers branch on it.
    topic: str
    subject_id: UUID
    message: str
    occurred_at: datetime
    details: dict[str, Any] = field(default_factory=dict)


class NotificationFailed(Exception):
    """The channel did not take the notification; try again later."""


class Notifier(ABC):
    @abstractmethod
    async def send(self, notification: Notification) -> None:
        """Deliver it, or raise NotificationFailed."""
