"""MemoryOrganisationsUnitOfWork: organisations and invitations in dicts, with the same contract
as the SQL adapter.

Writes are staged in the unit of work and applied by `commit` without awaiting anything, so a
commit is atomic for every coroutine of the process; versions are checked again at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from uuid import UUID

from adapters.persistence.memory.outbox import MemoryOutbox
from domain.organisations.invitation import Invitation, InvitationStatus
from domain.organisations.organisation import MemberRole, Organisation
from domain.organisations.repository import (
    InvitationRepository,
    OrganisationRepository,
    OrganisationsUnitOfWork,
    Position,
)
from domain.shared.errors import ConcurrentUpdate
from domain.shared.events import DomainEvent
from domain.shared.unit_of_work import UnitOfWork

A = TypeVar("A", Organisation, Invitation)


@dataclass
class MemoryOrganisationsStore:
    """The committed state, shared by every unit of work of one process."""

    organisations: dict[UUID, Organisation] = field(default_factory=dict)
    invitations: dict[UUID, Invitation] = field(default_factory=dict)


class _Staged(Generic[A]):
    """One kind of aggregate: committed in `committed`, this unit of work's changes in `staged`."""

    def __init__(
        self, committed: dict[UUID, A], copy: Callable[[A], A], uow: UnitOfWork, read_only: bool
    ) -> None:
        self.committed: dict[UUID, A] = committed
        self._copy: Callable[[A], A] = copy
        self._uow = uow
        self._read_only = read_only
        self.staged: dict[UUID, A | None] = {}
        self.expected: dict[UUID, int] = {}

    def current(self, key: UUID) -> A | None:
        return self.staged[key] if key in self.staged else self.committed.get(key)

    def merged(self) -> list[A]:
        every = {**self.committed, **self.staged}
        return [item for item in every.values() if item is not None]

    def read(self, key: UUID) -> A | None:
        stored = self.current(key)
        if stored is None:
            return None
        item = self._copy(stored)
        self._uow.saw(item)
        return item

    def add(self, item: A) -> None:
        self._refuse_if_read_only()
        self._uow.saw(item)
        self.staged[item.id] = self._copy(item)
        item.mark_persisted()

    def change(self, item: A, *, removed: bool = False) -> None:
        self._refuse_if_read_only()
        self._uow.saw(item)
        current = self.current(item.id)
        if current is None or current.version != item.persisted_version:
            raise ConcurrentUpdate(f"{item.id} was changed or deleted meanwhile")
        if item.id not in self.staged:
            self.expected[item.id] = item.persisted_version
        self.staged[item.id] = None if removed else self._copy(item)
        if not removed:
            item.mark_persisted()

    def check(self) -> None:
        for key, expected in self.expected.items():
            stored = self.committed.get(key)
            if stored is None or stored.version != expected:
                raise ConcurrentUpdate(f"{key} was changed or deleted meanwhile")

    def apply(self) -> None:
        for key, item in self.staged.items():
            if item is None:
                self.committed.pop(key, None)
            else:
                self.committed[key] = item
        self.staged.clear()
        self.expected.clear()

    def _refuse_if_read_only(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot write")


def _after(item: Organisation | Invitation, after: Position | None) -> bool:
    return after is None or (item.created_at, item.id) > (after.created_at, after.id)


def _ordered(items: list[A], after: Position | None, limit: int) -> list[A]:
    found = sorted((i for i in items if _after(i, after)), key=lambda i: (i.created_at, i.id))
    return found[:limit]


class MemoryOrganisationRepository(OrganisationRepository):
    def __init__(self, items: _Staged[Organisation], invitations: _Staged[Invitation]) -> None:
        self._items = items
        self._invitations = invitations

    async def add(self, organisation: Organisation) -> None:
        self._items.add(organisation)

    async def get(self, organisation_id: UUID) -> Organisation | None:
        return self._items.read(organisation_id)

    async def page(
        self, *, member: UUID | None, after: Position | None, limit: int
    ) -> list[Organisation]:
        mine = [o for o in self._items.merged() if member is None or member in o.members]
        return [_organisation_copy(o) for o in _ordered(mine, after, limit)]

    async def update(self, organisation: Organisation) -> None:
        self._items.change(organisation)

    async def role_of(self, organisation_id: UUID, user_id: UUID) -> MemberRole | None:
        organisation = self._items.current(organisation_id)
        member = organisation.members.get(user_id) if organisation is not None else None
        return member.role if member is not None else None

    async def remove(self, organisation: Organisation) -> None:
        self._items.change(organisation, removed=True)
        for invitation in self._invitations.merged():
            if invitation.organisation_id == organisation.id:
                self._invitations.staged[invitation.id] = None


class MemoryInvitationRepository(InvitationRepository):
    def __init__(self, items: _Staged[Invitation]) -> None:
        self._items = items

    async def add(self, invitation: Invitation) -> None:
        self._items.add(invitation)

    async def get(self, invitation_id: UUID) -> Invitation | None:
        return self._items.read(invitation_id)

    async def find(self, digest: str) -> Invitation | None:
        for invitation in self._items.merged():
            if invitation.digest == digest:
                return self._items.read(invitation.id)
        return None

    async def pending(
        self, organisation_id: UUID, *, after: Position | None, limit: int
    ) -> list[Invitation]:
        waiting = [
            i
            for i in self._items.merged()
            if i.organisation_id == organisation_id and i.status is InvitationStatus.PENDING
        ]
        return [_invitation_copy(i) for i in _ordered(waiting, after, limit)]

    async def update(self, invitation: Invitation) -> None:
        self._items.change(invitation)


class MemoryOrganisationsUnitOfWork(OrganisationsUnitOfWork):
    """With an `outbox`, a commit also appends the integration events of its domain events."""

    def __init__(
        self,
        store: MemoryOrganisationsStore,
        *,
        read_only: bool = False,
        outbox: MemoryOutbox | None = None,
    ) -> None:
        self._store = store
        self.read_only = read_only
        self._outbox = outbox

    async def _begin(self) -> None:
        self._organisations = _Staged(
            self._store.organisations, _organisation_copy, self, self.read_only
        )
        self._invitations = _Staged(self._store.invitations, _invitation_copy, self, self.read_only)
        self.organisations = MemoryOrganisationRepository(self._organisations, self._invitations)
        self.invitations = MemoryInvitationRepository(self._invitations)

    async def _commit(self, events: list[DomainEvent]) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._organisations.check()
        self._invitations.check()
        outgoing = self._outbox.prepare(events) if self._outbox else []
        self._organisations.apply()
        self._invitations.apply()
        if self._outbox:
            self._outbox.append(outgoing)

    async def _close(self) -> None:
        self._organisations.staged.clear()
        self._invitations.staged.clear()


def _organisation_copy(organisation: Organisation) -> Organisation:
    """A detached copy, so changes to it stay private until they are committed."""
    return Organisation(
        id=organisation.id,
        name=organisation.name,
        members=dict(organisation.members),
        created_at=organisation.created_at,
        updated_at=organisation.updated_at,
        version=organisation.version,
    )


def _invitation_copy(invitation: Invitation) -> Invitation:
    return Invitation(
        id=invitation.id,
        organisation_id=invitation.organisation_id,
        email=invitation.email,
        role=invitation.role,
        invited_by=invitation.invited_by,
        status=invitation.status,
        digest=invitation.digest,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        updated_at=invitation.updated_at,
        version=invitation.version,
    )
