"""What the organisations use cases need: their unit of work, and users' verified addresses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol
from uuid import UUID

from domain.organisations.repository import OrganisationsUnitOfWork


class OrganisationsUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> OrganisationsUnitOfWork:
        """A fresh unit of work; `read_only` ones may skip transaction overhead and never commit."""
        ...


class VerifiedEmails(ABC):
    """The address a user has proved they read (implemented on identity's users)."""

    @abstractmethod
    async def of(self, user_id: UUID) -> str | None:
        """The active user's verified email address, lower-cased; None otherwise."""
