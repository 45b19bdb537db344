"""MemoryLinkedIdentityStore: the links to provider accounts in a dict of the identity store,
staged until the unit of work commits; the commit refuses a link another one made meanwhile."""

from __future__ import annotations

from uuid import UUID

from domain.identity.errors import IdentityAlreadyLinked
from domain.identity.linked_identity import LinkedIdentity, LinkedIdentityStore

Key = tuple[str, str]  # (provider, subject)


class MemoryLinkedIdentityStore(LinkedIdentityStore):
    def __init__(self, linked: dict[Key, LinkedIdentity]) -> None:
        self._linked = linked  # the committed links, shared by the process
        self.added: dict[Key, LinkedIdentity] = {}
        self.removed: set[Key] = set()

    def _visible(self) -> dict[Key, LinkedIdentity]:
        current = {k: v for k, v in self._linked.items() if k not in self.removed}
        return {**current, **self.added}

    async def add(self, identity: LinkedIdentity) -> None:
        key = (identity.provider, identity.subject)
        if key in self._visible():
            raise IdentityAlreadyLinked()
        self.added[key] = identity

    async def find(self, provider: str, subject: str) -> LinkedIdentity | None:
        return self._visible().get((provider, subject))

    async def of_user(self, user_id: UUID) -> list[LinkedIdentity]:
        found = [link for link in self._visible().values() if link.user_id == user_id]
        return sorted(found, key=lambda link: link.provider)

    async def remove(self, user_id: UUID, provider: str) -> bool:
        for key, link in self._visible().items():
            if link.user_id == user_id and link.provider == provider:
                self.added.pop(key, None)
                if key in self._linked:
                    self.removed.add(key)
                return True
        return False

    def check_commit(self) -> None:
        for key in self.added:
            if key in self._linked and key not in self.removed:
                raise IdentityAlreadyLinked()

    def apply_commit(self) -> None:
        for key in self.removed:
            self._linked.pop(key, None)
        self._linked.update(self.added)

    def discard(self) -> None:
        self.added.clear()
        self.removed.clear()
