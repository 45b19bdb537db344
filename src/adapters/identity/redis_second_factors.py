"""RedisSecondFactorStore: each account's second factor as a Redis document.

Key `<prefix>:identity:second-factor:<user id>` (hash: `v` version, `d` JSON). Saves and
removals are staged; the commit script checks each factor is still at the version read, so of
two units of work that accept the same code (or spend the same recovery code) the second is
refused (ConcurrentUpdate), as on the memory store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments, WriteSet
from domain.identity.repository import IdentityUnitOfWork, SecondFactorStore
from domain.identity.second_factor import SecondFactor
from domain.shared.errors import ConcurrentUpdate


class RedisSecondFactorStore(SecondFactorStore):
    def __init__(self, documents: RedisDocuments, uow: IdentityUnitOfWork) -> None:
        self._documents = documents
        self._uow = uow
        self.staged: dict[UUID, SecondFactor | None] = {}  # None: removed
        self.expected: dict[UUID, int] = {}  # versions the commit relies on (0: absent)

    def _key(self, user_id: UUID) -> str:
        return self._documents.key("identity", "second-factor", str(user_id))

    async def _current(self, user_id: UUID) -> SecondFactor | None:
        if user_id in self.staged:
            return self.staged[user_id]
        document = await self._documents.read(self._key(user_id))
        return None if document is None else _factor(document)

    async def get(self, user_id: UUID) -> SecondFactor | None:
        current = await self._current(user_id)
        if current is None:
            return None
        factor = _factor(_document(current))
        self._uow.saw(factor)
        return factor

    async def save(self, factor: SecondFactor) -> None:
        await self._stage(factor, removed=False)

    async def remove(self, factor: SecondFactor) -> None:
        await self._stage(factor, removed=True)

    async def _stage(self, factor: SecondFactor, *, removed: bool) -> None:
        self._uow.saw(factor)
        current = await self._current(factor.user_id)
        if (current.version if current else 0) != factor.persisted_version:
            raise ConcurrentUpdate(f"the second factor of {factor.user_id} was changed meanwhile")
        self.expected.setdefault(factor.user_id, factor.persisted_version)
        self.staged[factor.user_id] = None if removed else _factor(_document(factor))
        factor.mark_persisted()

    def stage(self, writes: WriteSet) -> None:
        for user_id, version in self.expected.items():
            writes.expect_version(self._key(user_id), version)
        for user_id, factor in self.staged.items():
            if factor is None:
                writes.delete(self._key(user_id))
            else:
                writes.put(self._key(user_id), factor.version, _document(factor))

    def discard(self) -> None:
        self.staged.clear()
        self.expected.clear()


def _document(factor: SecondFactor) -> dict[str, Any]:
    return {
        "user_id": str(factor.user_id),
        "sealed_secret": factor.sealed_secret,
        "active": factor.active,
        "last_step": factor.last_step,
        "recovery_digests": list(factor.recovery_digests),
        "created_at": factor.created_at.isoformat(),
        "updated_at": factor.updated_at.isoformat(),
        "version": factor.version,
    }


def _factor(document: dict[str, Any]) -> SecondFactor:
    return SecondFactor(
        user_id=UUID(document["user_id"]),
        sealed_secret=document["sealed_secret"],
        active=document["active"],
        last_step=document["last_step"],
        recovery_digests=tuple(document["recovery_digests"]),
        created_at=datetime.fromisoformat(document["created_at"]),
        updated_at=datetime.fromisoformat(document["updated_at"]),
        version=document["version"],
    )
