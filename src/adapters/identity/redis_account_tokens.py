"""RedisAccountTokenStore: the mailed tokens (email verification, password reset) on Redis.

Keys under `<prefix>:identity:`: `account-token:<digest>` (hash of plain fields id, user,
purpose, digest, issued, expires, and `used` once spent: a lookup by digest is one read),
`account-tokens:<user id>:<purpose>` (the set of the digests of one account and purpose: the
siblings a use spends), `account-expiry` (digests scored by expiry, microseconds: the purge).
A use is checked at commit the way SQL's `UPDATE ... WHERE used_at IS NULL` is: the commit
script refuses it if the token is spent or gone by then (ConcurrentUpdate), so of two uses one
wins. Its siblings are spent only where still unspent and present, so an earlier use's time stays.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments, WriteSet
from adapters.persistence.redis.ordered import microseconds
from domain.identity.account_token import AccountToken, TokenPurpose
from domain.identity.repository import AccountTokenStore


class RedisAccountTokenStore(AccountTokenStore):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._expiry = self._key("account-expiry")
        self.added: dict[str, AccountToken] = {}  # by digest
        self.used: dict[str, datetime] = {}  # the committed tokens this unit of work used
        self.spent: dict[str, datetime] = {}  # their committed siblings, spent with them
        self.forgotten: dict[str, AccountToken] = {}

    def _key(self, *parts: str) -> str:
        return self._documents.key("identity", *parts)

    def _token_key(self, digest: str) -> str:
        return self._key("account-token", digest)

    def _siblings_key(self, token: AccountToken) -> str:
        return self._key("account-tokens", str(token.user_id), token.purpose.value)

    async def _committed(self, digest: str) -> AccountToken | None:
        async with self._documents.reachable():
            fields = await self._documents.client.hgetall(self._token_key(digest))
        if not fields:
            return None
        token = _token(fields)
        used_at = token.used_at or self.used.get(digest) or self.spent.get(digest)
        return dataclasses.replace(token, used_at=used_at)

    async def add(self, token: AccountToken) -> None:
        self.added[token.digest] = token

    async def find(self, digest: str, purpose: TokenPurpose) -> AccountToken | None:
        token = self.added.get(digest) or await self._committed(digest)
        return token if token is not None and token.purpose == purpose else None

    async def use(self, token: AccountToken, at: datetime) -> bool:
        current = self.added.get(token.digest) or await self._committed(token.digest)
        if current is None or current.used_at is not None:
            return False
        for digest, other in self.added.items():
            same = (other.user_id, other.purpose) == (token.user_id, token.purpose)
            if same and other.used_at is None:
                self.added[digest] = dataclasses.replace(other, used_at=at)
        async with self._documents.reachable():
            members = await self._documents.client.smembers(self._siblings_key(token))
        for digest in (_text(raw) for raw in members):
            if digest not in self.added and digest != token.digest:
                self.spent.setdefault(digest, at)
        if token.digest not in self.added:
            self.used[token.digest] = at
        return True

    async def purge_expired(self, before: datetime) -> int:
        async with self._documents.reachable():
            found: list[bytes] = await self._documents.client.zrangebyscore(  # type: ignore[assignment]
                self._expiry, "-inf", f"({microseconds(before)}"
            )
        for digest in (_text(raw) for raw in found):
            token = await self._committed(digest)
            if token is not None:
                self.forgotten[digest] = token
        for digest, token in self.added.items():
            if token.expires_at < before:
                self.forgotten[digest] = token
        return len(self.forgotten)

    async def forget_user(self, user_id: UUID) -> None:
        for purpose in TokenPurpose:
            key = self._key("account-tokens", str(user_id), purpose.value)
            async with self._documents.reachable():
                digests = await self._documents.client.smembers(key)
            for raw in digests:
                token = await self._committed(_text(raw))
                if token is not None:
                    self.forgotten[token.digest] = token
        for digest, token in self.added.items():
            if token.user_id == user_id:
                self.forgotten[digest] = token

    def stage(self, writes: WriteSet) -> None:
        for digest, token in self.added.items():
            if digest in self.forgotten:
                continue
            key = self._token_key(digest)
            writes.expect_absent(key)
            writes.fields(key, _fields(token))
            writes.member(self._siblings_key(token), digest)
            writes.index(self._expiry, digest, microseconds(token.expires_at))
        for digest, at in self.used.items():
            key = self._token_key(digest)
            writes.expect_unset(key, "used")
            writes.fields(key, {"used": at.isoformat()})
        for digest, at in self.spent.items():
            if digest not in self.forgotten:
                writes.field_once(self._token_key(digest), "used", at.isoformat(), existing=True)
        for digest, token in self.forgotten.items():
            writes.delete(self._token_key(digest))
            writes.member(self._siblings_key(token), digest, present=False)
            writes.unindex(self._expiry, digest)

    def discard(self) -> None:
        for staged in (self.added, self.used, self.spent, self.forgotten):
            staged.clear()


def _fields(token: AccountToken) -> dict[str, str]:
    fields = {
        "id": str(token.id),
        "user": str(token.user_id),
        "purpose": token.purpose.value,
        "digest": token.digest,
        "issued": token.issued_at.isoformat(),
        "expires": token.expires_at.isoformat(),
    }
    if token.used_at is not None:
        fields["used"] = token.used_at.isoformat()
    return fields


def _token(raw: dict[bytes | str, bytes | str]) -> AccountToken:
    fields = {_text(name): _text(value) for name, value in raw.items()}
    used = fields.get("used")
    return AccountToken(
        id=UUID(fields["id"]),
        user_id=UUID(fields["user"]),
        purpose=TokenPurpose(fields["purpose"]),
        digest=fields["digest"],
        issued_at=datetime.fromisoformat(fields["issued"]),
        expires_at=datetime.fromisoformat(fields["expires"]),
        used_at=None if used is None else datetime.fromisoformat(used),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
