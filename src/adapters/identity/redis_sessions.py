"""RedisSessionStore: sessions as Redis hashes of plain fields.

Keys under `<prefix>:identity:`: `session:<id>` (fields id, user, agent, address, created, used,
expires, and `revoked` once set), `sessions-of:<user id>` (a set of ids), `session-expiry` (ids
scored by expiry, microseconds) and `sessions-revoked` (ids scored by revocation, for
AccessRevocations). A refresh (`touch`) is checked at commit: the session must still be there
and unrevoked, so a refresh racing a revocation loses (ConcurrentUpdate), as on SQL the revoked
refresh token does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from adapters.persistence.redis.documents import RedisDocuments, WriteSet
from adapters.persistence.redis.ordered import microseconds
from domain.identity.repository import SessionStore
from domain.identity.session import Session


class RedisSessionStore(SessionStore):
    def __init__(self, documents: RedisDocuments) -> None:
        self._documents = documents
        self._expiry = self._key("session-expiry")
        self._revocations = self._key("sessions-revoked")
        self.added: dict[UUID, Session] = {}
        self.touched: dict[UUID, Session] = {}
        self.revoked: dict[UUID, datetime] = {}
        self.forgotten: dict[UUID, Session] = {}

    def _key(self, *parts: str) -> str:
        return self._documents.key("identity", *parts)

    def _session_key(self, session_id: UUID) -> str:
        return self._key("session", str(session_id))

    async def _committed(self, session_id: UUID) -> Session | None:
        async with self._documents.reachable():
            fields = await self._documents.client.hgetall(self._session_key(session_id))
        return _session(fields) if fields else None

    def _as_staged(self, session: Session) -> Session:
        session = self.touched.get(session.id, session)
        revoked = session.revoked_at or self.revoked.get(session.id)
        return dataclasses.replace(session, revoked_at=revoked)

    async def add(self, session: Session) -> None:
        self.added[session.id] = session

    async def get(self, session_id: UUID) -> Session | None:
        if session_id in self.forgotten:
            return None
        if session_id in self.added:
            return self.added[session_id]
        stored = await self._committed(session_id)
        return None if stored is None else self._as_staged(stored)

    async def of_user(self, user_id: UUID) -> list[Session]:
        async with self._documents.reachable():
            members = await self._documents.client.smembers(self._key("sessions-of", str(user_id)))
        ids = {UUID(_text(raw)) for raw in members}
        ids |= {i for i, s in self.added.items() if s.user_id == user_id}
        found = [s for i in ids if (s := await self.get(i)) is not None and s.revoked_at is None]
        return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)

    async def touch(self, session_id: UUID, *, at: datetime, expires_at: datetime) -> None:
        current = await self.get(session_id)
        if current is None:
            return
        moved = dataclasses.replace(current, last_used_at=at, expires_at=expires_at)
        if session_id in self.added:
            self.added[session_id] = moved
        else:
            self.touched[session_id] = moved

    async def revoke(self, session_ids: Collection[UUID], at: datetime) -> None:
        for session_id in session_ids:
            current = await self.get(session_id)
            if current is None or current.revoked_at is not None:
                continue
            if session_id in self.added:
                self.added[session_id] = dataclasses.replace(current, revoked_at=at)
            else:
                self.revoked[session_id] = at

    async def revoked_since(self, since: datetime) -> list[UUID]:
        async with self._documents.reachable():
            found: list[bytes] = await self._documents.client.zrangebyscore(  # type: ignore[assignment]
                self._revocations, microseconds(since), "+inf"
            )
        return [UUID(_text(raw)) for raw in found]

    async def forget_user(self, user_id: UUID) -> None:
        for session in await self._all_of(user_id):
            self.forgotten[session.id] = session

    async def _all_of(self, user_id: UUID) -> list[Session]:
        async with self._documents.reachable():
            members = await self._documents.client.smembers(self._key("sessions-of", str(user_id)))
        stored = [await self._committed(UUID(_text(raw))) for raw in members]
        added = [s for s in self.added.values() if s.user_id == user_id]
        return [s for s in stored if s is not None] + added

    async def purge_expired(self, before: datetime) -> int:
        async with self._documents.reachable():
            found: list[bytes] = await self._documents.client.zrangebyscore(  # type: ignore[assignment]
                self._expiry, "-inf", f"({microseconds(before)}"
            )
        expired = [await self._committed(UUID(_text(raw))) for raw in found]
        expired += [s for s in self.added.values() if s.expires_at < before]
        purged = {s.id: s for s in expired if s is not None and s.id not in self.forgotten}
        self.forgotten.update(purged)
        return len(purged)

    def stage(self, writes: WriteSet) -> None:
        for session in self.added.values():
            if session.id not in self.forgotten:
                self._write(writes, session)
        for session_id, session in self.touched.items():
            if session_id not in self.forgotten:
                key = self._session_key(session_id)
                writes.expect_unset(key, "revoked")
                writes.fields(key, _moving_fields(session))
                writes.index(self._expiry, str(session_id), microseconds(session.expires_at))
        for session_id, at in self.revoked.items():
            if session_id not in self.forgotten:
                writes.field_once(
                    self._session_key(session_id), "revoked", at.isoformat(), existing=True
                )
                writes.index(self._revocations, str(session_id), microseconds(at))
        for session_id, session in self.forgotten.items():
            writes.delete(self._session_key(session_id))
            writes.member(
                self._key("sessions-of", str(session.user_id)), str(session_id), present=False
            )
            writes.unindex(self._expiry, str(session_id))
            writes.unindex(self._revocations, str(session_id))

    def _write(self, writes: WriteSet, session: Session) -> None:
        key = self._session_key(session.id)
        writes.fields(key, _fields(session))
        writes.member(self._key("sessions-of", str(session.user_id)), str(session.id))
        writes.index(self._expiry, str(session.id), microseconds(session.expires_at))
        if session.revoked_at is not None:
            writes.index(self._revocations, str(session.id), microseconds(session.revoked_at))

    def discard(self) -> None:
        for staged in (self.added, self.touched, self.revoked, self.forgotten):
            staged.clear()


def _moving_fields(session: Session) -> dict[str, str]:
    return {"used": session.last_used_at.isoformat(), "expires": session.expires_at.isoformat()}


def _fields(session: Session) -> dict[str, str]:
    fields = {
        "id": str(session.id),
        "user": str(session.user_id),
        "agent": session.user_agent,
        "address": session.client_address,
        "created": session.created_at.isoformat(),
        **_moving_fields(session),
    }
    if session.revoked_at is not None:
        fields["revoked"] = session.revoked_at.isoformat()
    return fields


def _session(raw: dict[bytes | str, bytes | str]) -> Session:
    fields = {_text(name): _text(value) for name, value in raw.items()}
    revoked = fields.get("revoked")
    return Session(
        id=UUID(fields["id"]),
        user_id=UUID(fields["user"]),
        user_agent=fields["agent"],
        client_address=fields["address"],
        created_at=datetime.fromisoformat(fields["created"]),
        last_used_at=datetime.fromisoformat(fields["used"]),
        expires_at=datetime.fromisoformat(fields["expires"]),
        revoked_at=None if revoked is None else datetime.fromisoformat(revoked),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
