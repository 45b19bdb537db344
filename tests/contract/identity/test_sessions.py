"""ONE contract for SessionStore (a session per refresh-token family: device, address, last use)
and for ending sessions with their refresh tokens, on every adapter of the identity unit of work:
memory, SQLite, PostgreSQL, MariaDB and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import timedelta
from uuid import UUID

from application.identity.ports import IdentityUnitOfWorkFactory
from application.identity.refresh_tokens import digest
from application.identity.sessions import Device, end_sessions, start_session
from domain.identity.session import Session
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate
from tests.contract.identity.test_identity_unit_of_work import T0, ids, new_user, save

DAY = timedelta(days=1)


def new_session(user: User, *, at: timedelta = timedelta(0), agent: str = "curl/8.5") -> Session:
    return Session(
        id=ids.new_id(),
        user_id=user.id,
        user_agent=agent,
        client_address="203.0.113.7",
        created_at=T0 + at,
        last_used_at=T0 + at,
        expires_at=T0 + at + DAY,
    )


async def add(factory: IdentityUnitOfWorkFactory, *sessions: Session) -> None:
    async with factory() as uow:
        for session in sessions:
            await uow.sessions.add(session)
        await uow.commit()


async def get(factory: IdentityUnitOfWorkFactory, session_id: UUID) -> Session | None:
    async with factory(read_only=True) as uow:
        return await uow.sessions.get(session_id)


async def of_user(factory: IdentityUnitOfWorkFactory, user: User) -> list[Session]:
    async with factory(read_only=True) as uow:
        return await uow.sessions.of_user(user.id)


async def test_sessions_read_back_by_id_and_by_user_newest_first(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user(), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    first, second = new_session(ada), new_session(ada, at=timedelta(minutes=5), agent="Firefox/1")
    theirs = new_session(bob)
    await add(identity_uow_factory, first, second, theirs)

    assert await get(identity_uow_factory, first.id) == first
    assert await get(identity_uow_factory, ids.new_id()) is None
    assert await of_user(identity_uow_factory, ada) == [second, first]
    assert await of_user(identity_uow_factory, bob) == [theirs]


async def test_a_touch_moves_last_use_and_expiry_on(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada = new_user()
    await save(identity_uow_factory, ada)
    session = new_session(ada)
    await add(identity_uow_factory, session)

    async with identity_uow_factory() as uow:
        await uow.sessions.touch(session.id, at=T0 + DAY / 2, expires_at=T0 + 2 * DAY)
        await uow.commit()

    moved = dataclasses.replace(session, last_used_at=T0 + DAY / 2, expires_at=T0 + 2 * DAY)
    assert await get(identity_uow_factory, session.id) == moved


async def test_a_revoked_session_leaves_the_list_and_is_reported_since_its_revocation(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada = new_user()
    await save(identity_uow_factory, ada)
    kept, ended = new_session(ada), new_session(ada, at=timedelta(minutes=1))
    await add(identity_uow_factory, kept, ended)

    async with identity_uow_factory() as uow:
        await uow.sessions.revoke([ended.id], T0 + timedelta(minutes=2))
        await uow.commit()
    async with identity_uow_factory() as uow:  # a second revocation keeps the first one's time
        await uow.sessions.revoke([ended.id], T0 + timedelta(minutes=9))
        await uow.commit()

    assert await of_user(identity_uow_factory, ada) == [kept]
    stored = await get(identity_uow_factory, ended.id)
    assert stored is not None
    assert stored.revoked_at == T0 + timedelta(minutes=2)
    async with identity_uow_factory(read_only=True) as uow:
        assert await uow.sessions.revoked_since(T0 + timedelta(minutes=2)) == [ended.id]
        assert await uow.sessions.revoked_since(T0 + timedelta(minutes=3)) == []


async def test_ending_the_other_sessions_revokes_their_refresh_tokens_and_keeps_one(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user(), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    device = Device(user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
    started: dict[str, tuple[UUID, str]] = {}
    async with identity_uow_factory() as uow:
        for name, user in (("here", ada), ("there", ada), ("bob", bob)):
            started[name] = await start_session(
                uow, ids, user_id=user.id, device=device, now=T0, lifetime=DAY
            )
        await uow.commit()
    here = started["here"][0]

    async with identity_uow_factory() as uow:
        ended = await end_sessions(uow, ada.id, T0 + timedelta(minutes=1), keep=here)
        await uow.commit()

    assert ended == [started["there"][0]]
    assert [s.id for s in await of_user(identity_uow_factory, ada)] == [here]
    assert [s.id for s in await of_user(identity_uow_factory, bob)] == [started["bob"][0]]
    kept = await get(identity_uow_factory, here)
    assert kept is not None
    assert kept.device == "Firefox on Linux"
    async with identity_uow_factory(read_only=True) as uow:
        for name, revoked in (("here", False), ("there", True), ("bob", False)):
            token = await uow.refresh_tokens.find(digest(started[name][1]))
            assert token is not None
            assert token.family_id == started[name][0]
            assert (token.revoked_at is not None) is revoked, name


async def test_forgetting_a_user_and_purging_expired_sessions(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user(), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    old, recent = new_session(bob), new_session(bob, at=2 * DAY)
    await add(identity_uow_factory, new_session(ada), new_session(ada), old, recent)

    async with identity_uow_factory() as uow:
        await uow.sessions.forget_user(ada.id)
        purged = await uow.sessions.purge_expired(T0 + 2 * DAY)
        await uow.commit()

    assert purged == 1
    assert await of_user(identity_uow_factory, ada) == []
    assert await of_user(identity_uow_factory, bob) == [recent]
    assert await get(identity_uow_factory, old.id) is None


async def test_a_refresh_never_brings_back_a_session_revoked_meanwhile(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    """The refresh stages its touch first; the revocation commits while it is open (on SQL it
    waits for the refresh's lock, then writes); either way the session stays revoked."""
    ada = new_user()
    await save(identity_uow_factory, ada)
    session = new_session(ada)
    await add(identity_uow_factory, session)

    async def revoke() -> None:
        async with identity_uow_factory() as other:
            await other.sessions.revoke([session.id], T0 + DAY / 4)
            await other.commit()

    async with identity_uow_factory() as uow:
        await uow.sessions.touch(session.id, at=T0 + DAY / 2, expires_at=T0 + 2 * DAY)
        revoking = asyncio.create_task(revoke())
        await asyncio.sleep(0.2)  # memory and Redis commit it now; SQL makes it wait
        with contextlib.suppress(ConcurrentUpdate):  # Redis refuses the touch
            await uow.commit()
    await asyncio.wait_for(revoking, timeout=30)  # patience: SQL holds it on the row lock

    stored = await get(identity_uow_factory, session.id)
    assert stored is not None
    assert stored.revoked_at == T0 + DAY / 4
    assert await of_user(identity_uow_factory, ada) == []
