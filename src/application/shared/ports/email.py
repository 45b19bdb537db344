"""Email and the Mailer port: one message to one address, in text and in HTML.

`id` is stable for one message (the integration event's id that asked for it): a mailer that
may send twice (every consumer is at-least-once) puts it in the Message-ID, so a repeat can be
recognised.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class Email:
    id: UUID
    to: str
    subject: str
    text: str
    html: str
    # The links the message carries, by name ("reset"): the log mailer shows them.
    links: dict[str, str] = field(default_factory=dict)


class EmailNotSent(Exception):
    """The mail server did not take the message; try again later."""


class Mailer(ABC):
    @abstractmethod
    async def send(self, email: Email) -> None:
        """Hand the message to the mail system, or raise EmailNotSent."""

    async def close(self) -> None:  # noqa: B027 (optional hook: most mailers hold nothing)
        """Release what the mailer holds."""
