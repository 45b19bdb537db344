"""LinkedIdentity: an account at an outside identity provider that signs a user in here.

One per (provider, subject): the provider's own id for the person, never their email, which can
change hands. A user has at most one per provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedIdentity:
    user_id: UUID
    provider: str
    subject: str
    email: str  # what the provider said when the link was made
    linked_at: datetime


class LinkedIdentityStore(ABC):
    """The links of users to provider accounts. Writes become durable at the unit of work's
    commit; `add` raises IdentityAlreadyLinked when (provider, subject) is linked already (at
    `add` or, if another unit of work linked it meanwhile, at commit)."""

    @abstractmethod
    async def add(self, identity: LinkedIdentity) -> None: ...

    @abstractmethod
    async def find(self, provider: str, subject: str) -> LinkedIdentity | None: ...

    @abstractmethod
    async def of_user(self, user_id: UUID) -> list[LinkedIdentity]:
        """The user's links, by provider name."""

    @abstractmethod
    async def remove(self, user_id: UUID, provider: str) -> bool:
        """Unlink the user's account at `provider`; False if there was none."""
