"""IdempotencyStore port: remember the answer to a request sent with an idempotency key, so a
retry of the same request gets the same answer and the work is done once."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from application.shared.ports.event_store import Payload


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """Who holds a key: `fingerprint` identifies the request; `response` is None while the
    first request is still being worked on."""

    fingerprint: str
    response: Payload | None


class IdempotencyStore(ABC):
    @abstractmethod
    async def reserve(
        self, scope: str, key: str, fingerprint: str, now: datetime
    ) -> IdempotencyRecord | None:
        """Claim (scope, key) for a request: None if this caller claimed it (do the work),
        otherwise the record of whoever holds it. Of concurrent claims, exactly one wins."""

    @abstractmethod
    async def complete(self, scope: str, key: str, response: Payload) -> None:
        """Store the answer of the claimed request (a JSON-compatible mapping)."""

    @abstractmethod
    async def release(self, scope: str, key: str) -> None:
        """Forget an unfinished claim (the work failed), so a retry may do it."""

    @abstractmethod
    async def purge(self, older_than: datetime) -> int:
        """Forget records created before `older_than`; returns how many."""

    @abstractmethod
    async def release_stale(self, claimed_before: datetime) -> int:
        """Release claims still unanswered that were made before `claimed_before`: their
        request died (a crashed process), so a retry may do the work; returns how many."""
