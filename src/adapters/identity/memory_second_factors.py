"""MemorySecondFactorStore: each account's second factor in a dict, with the SQL contract.

Saves and removals are staged; the commit checks that every factor they touch is still at the
version they read (a code accepted twice at once: the second commit is refused) and applies them.
"""

from __future__ import annotations

from uuid import UUID

from domain.identity.repository import IdentityUnitOfWork, SecondFactorStore
from domain.identity.second_factor import SecondFactor
from domain.shared.errors import ConcurrentUpdate


class MemorySecondFactorStore(SecondFactorStore):
    def __init__(self, committed: dict[UUID, SecondFactor], uow: IdentityUnitOfWork) -> None:
        self._committed = committed
        self._uow = uow
        self.staged: dict[UUID, SecondFactor | None] = {}  # None: removed
        self.expected: dict[UUID, int] = {}  # the versions the commit relies on (0: absent)

    def _current(self, user_id: UUID) -> SecondFactor | None:
        if user_id in self.staged:
            return self.staged[user_id]
        return self._committed.get(user_id)

    async def get(self, user_id: UUID) -> SecondFactor | None:
        current = self._current(user_id)
        if current is None:
            return None
        factor = _copy(current)
        self._uow.saw(factor)
        return factor

    async def save(self, factor: SecondFactor) -> None:
        self._stage(factor, factor)

    async def remove(self, factor: SecondFactor) -> None:
        self._stage(factor, None)

    def _stage(self, factor: SecondFactor, result: SecondFactor | None) -> None:
        self._uow.saw(factor)
        current = self._current(factor.user_id)
        if (current.version if current else 0) != factor.persisted_version:
            raise ConcurrentUpdate(f"the second factor of {factor.user_id} was changed meanwhile")
        self.expected.setdefault(factor.user_id, factor.persisted_version)
        self.staged[factor.user_id] = None if result is None else _copy(result)
        factor.mark_persisted()

    def check_commit(self) -> None:
        for user_id, version in self.expected.items():
            stored = self._committed.get(user_id)
            if (stored.version if stored else 0) != version:
                raise ConcurrentUpdate(f"the second factor of {user_id} was changed meanwhile")

    def apply_commit(self) -> None:
        for user_id, factor in self.staged.items():
            if factor is None:
                self._committed.pop(user_id, None)
            else:
                self._committed[user_id] = factor

    def discard(self) -> None:
        self.staged.clear()
        self.expected.clear()


def _copy(factor: SecondFactor) -> SecondFactor:
    """A detached copy, so changes to it stay private until they are committed."""
    return SecondFactor(
        user_id=factor.user_id,
        sealed_secret=factor.sealed_secret,
        active=factor.active,
        last_step=factor.last_step,
        recovery_digests=factor.recovery_digests,
        created_at=factor.created_at,
        updated_at=factor.updated_at,
        version=factor.version,
    )
