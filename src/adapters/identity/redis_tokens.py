"""RedisRefreshTokenStore: refresh tokens as Redis hashes of plain fields.

Keys under `<prefix>:identity:`: `token:<id>` (fields id, family, user, digest, issued, expires,
and `used` / `revoked` once set), `digest` (hash digest -> id), `family:<id>` and
`tokens-of:<user id>` (sets of ids), `expiry` (ids scored by expiry, microseconds). A use is
checked at commit the way SQL's `UPDATE ... WHERE used_at IS NULL AND revoked_at IS NULL` is:
the commit script refuses it if either field is set by then (ConcurrentUpdate), so of two uses
one wins. A revocation sets `revoked` only where it is not set, so the first one stays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from datetime import datetime
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments, WriteSet
from adapters.persistence.redis.ordered import microseconds
from domain.identity.refresh_token import RefreshToken
from domain.identity.repository import RefreshTokenStore


class RedisRefreshTokenStore(RefreshTokenStore):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._digests = self._key("digest")
        self._expiry = self._key("expiry")
        self.added: dict[UUID, RefreshToken] = {}
        self.used: dict[UUID, datetime] = {}
        self.revoked: dict[UUID, datetime] = {}
        self.forgotten: dict[UUID, RefreshToken] = {}

    def _key(self, *parts: str) -> str:
        return self._documents.key("identity", *parts)

    def _token_key(self, token_id: UUID) -> str:
        return self._key("token", str(token_id))

    async def _committed(self, token_id: UUID) -> RefreshToken | None:
        async with self._documents.reachable():
            fields = await self._documents.client.hgetall(self._token_key(token_id))
        return _token(fields) if fields else None

    def _as_staged(self, token: RefreshToken) -> RefreshToken:
        return dataclasses.replace(
            token,
            used_at=token.used_at or self.used.get(token.id),
            revoked_at=token.revoked_at or self.revoked.get(token.id),
        )

    async def add(self, token: RefreshToken) -> None:
        self.added[token.id] = token

    async def find(self, digest: str) -> RefreshToken | None:
        for token in self.added.values():
            if token.digest == digest:
                return token
        async with self._documents.reachable():
            raw = await self._documents.client.hget(self._digests, digest)
        if raw is None:
            return None
        stored = await self._committed(UUID(_text(raw)))
        return None if stored is None else self._as_staged(stored)

    async def use(self, token: RefreshToken, at: datetime) -> bool:
        current: RefreshToken | None
        if token.id in self.added:
            current = self.added[token.id]
        else:
            stored = await self._committed(token.id)
            current = None if stored is None else self._as_staged(stored)
        if current is None or current.used_at is not None or current.revoked_at is not None:
            return False
        if token.id in self.added:
            self.added[token.id] = dataclasses.replace(current, used_at=at)
        else:
            self.used[token.id] = at
        return True

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await self._revoke(
            self._key("family", str(family_id)), lambda t: t.family_id == family_id, at
        )

    async def revoke_all_of(
        self, user_id: UUID, at: datetime, *, keep_family: UUID | None = None
    ) -> None:
        kept: set[UUID] = set()
        if keep_family is not None:
            async with self._documents.reachable():
                members = await self._documents.client.smembers(
                    self._key("family", str(keep_family))
                )
            kept = {UUID(_text(raw)) for raw in members}
        await self._revoke(
            self._key("tokens-of", str(user_id)),
            lambda t: t.user_id == user_id and t.family_id != keep_family,
            at,
            kept=kept,
        )

    async def _revoke(
        self,
        index: str,
        matches: Callable[[RefreshToken], bool],
        at: datetime,
        *,
        kept: Collection[UUID] = (),
    ) -> None:
        for token_id, token in self.added.items():
            if matches(token) and token.revoked_at is None:
                self.added[token_id] = dataclasses.replace(token, revoked_at=at)
        async with self._documents.reachable():
            members = await self._documents.client.smembers(index)
        for raw in members:
            if (token_id := UUID(_text(raw))) not in kept:
                self.revoked.setdefault(token_id, at)

    async def purge_expired(self, before: datetime) -> int:
        async with self._documents.reachable():
            found: list[bytes] = await self._documents.client.zrangebyscore(  # type: ignore[assignment]
                self._expiry, "-inf", f"({microseconds(before)}"
            )
        for raw in found:
            token = await self._committed(UUID(_text(raw)))
            if token is not None:
                self.forgotten[token.id] = token
        for token in self.added.values():
            if token.expires_at < before:
                self.forgotten[token.id] = token
        return len(self.forgotten)

    def stage(self, writes: WriteSet) -> None:
        for token in self.added.values():
            if token.id in self.forgotten:
                continue
            key = self._token_key(token.id)
            writes.fields(key, _fields(token))
            writes.fields(self._digests, {token.digest: str(token.id)})
            writes.member(self._key("family", str(token.family_id)), str(token.id))
            writes.member(self._key("tokens-of", str(token.user_id)), str(token.id))
            writes.index(self._expiry, str(token.id), microseconds(token.expires_at))
        for token_id, at in self.used.items():
            key = self._token_key(token_id)
            writes.expect_unset(key, "used", "revoked")
            writes.fields(key, {"used": at.isoformat()})
        for token_id, at in self.revoked.items():
            if token_id not in self.forgotten:
                writes.field_once(self._token_key(token_id), "revoked", at.isoformat())
        for token_id, token in self.forgotten.items():
            writes.delete(self._token_key(token_id))
            writes.forget_field(self._digests, token.digest)
            writes.member(self._key("family", str(token.family_id)), str(token_id), present=False)
            writes.member(self._key("tokens-of", str(token.user_id)), str(token_id), present=False)
            writes.unindex(self._expiry, str(token_id))

    def discard(self) -> None:
        for staged in (self.added, self.used, self.revoked, self.forgotten):
            staged.clear()


def _fields(token: RefreshToken) -> dict[str, str]:
    fields = {
        "id": str(token.id),
        "family": str(token.family_id),
        "user": str(token.user_id),
        "digest": token.digest,
        "issued": token.issued_at.isoformat(),
        "expires": token.expires_at.isoformat(),
    }
    if token.used_at is not None:
        fields["used"] = token.used_at.isoformat()
    if token.revoked_at is not None:
        fields["revoked"] = token.revoked_at.isoformat()
    return fields


def _token(raw: dict[bytes | str, bytes | str]) -> RefreshToken:
    fields = {_text(name): _text(value) for name, value in raw.items()}
    used, revoked = fields.get("used"), fields.get("revoked")
    return RefreshToken(
        id=UUID(fields["id"]),
        family_id=UUID(fields["family"]),
        user_id=UUID(fields["user"]),
        digest=fields["digest"],
        issued_at=datetime.fromisoformat(fields["issued"]),
        expires_at=datetime.fromisoformat(fields["expires"]),
        used_at=None if used is None else datetime.fromisoformat(used),
        revoked_at=None if revoked is None else datetime.fromisoformat(revoked),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
