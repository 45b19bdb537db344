"""RedisLinkedIdentityStore: the links to provider accounts on Redis.

Keys under `<prefix>:identity:`: `linked` (hash `<provider>:<subject>` -> user id: the unique
index; provider names have no colon), `links:<user id>` (hash provider -> JSON of the link: a
user's links are one read). A new link is checked at commit (the name must be free), so of two
units of work linking one provider account, the second is refused (IdentityAlreadyLinked).
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments, WriteSet
from domain.identity.errors import IdentityAlreadyLinked
from domain.identity.linked_identity import LinkedIdentity, LinkedIdentityStore


class RedisLinkedIdentityStore(LinkedIdentityStore):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._index = documents.key("identity", "linked")
        self.added: dict[str, LinkedIdentity] = {}  # by index name
        self.removed: dict[str, LinkedIdentity] = {}

    def _links_key(self, user_id: UUID) -> str:
        return self._documents.key("identity", "links", str(user_id))

    def claims(self, name: str) -> bool:
        """Whether this unit of work's commit claims the index name `name`."""
        return name in self.added

    async def add(self, identity: LinkedIdentity) -> None:
        if await self.find(identity.provider, identity.subject) is not None:
            raise IdentityAlreadyLinked()
        self.added[_name(identity.provider, identity.subject)] = identity

    async def find(self, provider: str, subject: str) -> LinkedIdentity | None:
        name = _name(provider, subject)
        if name in self.added:
            return self.added[name]
        if name in self.removed:
            return None
        async with self._documents.reachable():
            owner = await self._documents.client.hget(self._index, name)
        if owner is None:
            return None
        links = await self._committed(UUID(_text(owner)))
        link = links.get(provider)
        return link if link is not None and link.subject == subject else None

    async def of_user(self, user_id: UUID) -> list[LinkedIdentity]:
        links = await self._committed(user_id)
        removed = {_name(link.provider, link.subject) for link in self.removed.values()}
        found = [
            link for link in links.values() if _name(link.provider, link.subject) not in removed
        ]
        found += [link for link in self.added.values() if link.user_id == user_id]
        return sorted(found, key=lambda link: link.provider)

    async def remove(self, user_id: UUID, provider: str) -> bool:
        for link in await self.of_user(user_id):
            if link.provider == provider:
                name = _name(link.provider, link.subject)
                if self.added.pop(name, None) is None:
                    self.removed[name] = link
                return True
        return False

    async def _committed(self, user_id: UUID) -> dict[str, LinkedIdentity]:
        async with self._documents.reachable():
            raw = await self._documents.client.hgetall(self._links_key(user_id))
        return {_text(p): _identity(user_id, _text(p), _text(v)) for p, v in raw.items()}

    def stage(self, writes: WriteSet) -> None:
        for name, link in self.removed.items():
            writes.release(self._index, name, str(link.user_id))
            writes.forget_field(self._links_key(link.user_id), link.provider)
        for name, link in self.added.items():
            writes.first(self._index, name, str(link.user_id))
            writes.fields(self._links_key(link.user_id), {link.provider: _json(link)})

    def discard(self) -> None:
        self.added.clear()
        self.removed.clear()


def _name(provider: str, subject: str) -> str:
    return f"{provider}:{subject}"


def _json(link: LinkedIdentity) -> str:
    fields = {"subject": link.subject, "email": link.email, "at": link.linked_at.isoformat()}
    return json.dumps(fields, separators=(",", ":"))


def _identity(user_id: UUID, provider: str, raw: str) -> LinkedIdentity:
    fields = json.loads(raw)
    return LinkedIdentity(
        user_id=user_id,
        provider=provider,
        subject=fields["subject"],
        email=fields["email"],
        linked_at=datetime.fromisoformat(fields["at"]),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
