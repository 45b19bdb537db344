"""Ports of the organisations context: organisations (with their members), invitations, and the
unit of work that holds both."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.organisations.invitation import Invitation
from domain.organisations.organisation import MemberRole, Organisation
from domain.shared.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ends: lists are ordered by (created_at, id), ascending."""

    created_at: datetime
    id: UUID


class OrganisationRepository(ABC):
    """Organisations by id, each with all its members; writes become durable at the commit.

    `update` and `remove` raise ConcurrentUpdate when the stored version is no longer
    `organisation.persisted_version`; `remove` takes the organisation's invitations with it.
    """

    @abstractmethod
    async def add(self, organisation: Organisation) -> None: ...

    @abstractmethod
    async def get(self, organisation_id: UUID) -> Organisation | None: ...

    @abstractmethod
    async def page(
        self, *, member: UUID | None, after: Position | None, limit: int
    ) -> list[Organisation]:
        """At most `limit` organisations after `after`: those `member` belongs to, or all."""

    @abstractmethod
    async def update(self, organisation: Organisation) -> None: ...

    @abstractmethod
    async def remove(self, organisation: Organisation) -> None: ...

    @abstractmethod
    async def role_of(self, organisation_id: UUID, user_id: UUID) -> MemberRole | None:
        """The user's role in the organisation, None if not a member (or no such organisation).
        One key lookup: the tenant check runs it on every tenant-scoped request."""


class InvitationRepository(ABC):
    @abstractmethod
    async def add(self, invitation: Invitation) -> None: ...

    @abstractmethod
    async def get(self, invitation_id: UUID) -> Invitation | None: ...

    @abstractmethod
    async def find(self, digest: str) -> Invitation | None:
        """The invitation whose current token has this digest."""

    @abstractmethod
    async def pending(
        self, organisation_id: UUID, *, after: Position | None, limit: int
    ) -> list[Invitation]:
        """The organisation's pending invitations (expired ones included), oldest first."""

    @abstractmethod
    async def update(self, invitation: Invitation) -> None:
        """ConcurrentUpdate when the stored version is no longer `persisted_version`."""


class OrganisationsUnitOfWork(UnitOfWork):
    organisations: OrganisationRepository
    invitations: InvitationRepository
