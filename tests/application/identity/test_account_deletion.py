"""DeleteAccount and ExportMyData against the in-memory adapters: what an erased account keeps,
the event the other contexts receive, and the tokens it voids in this and other processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.identity.memory import MemoryIdentityUnitOfWork
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.system.ids import Uuid7Generator
from application.identity.delete_account import DeleteAccountHandler, DeleteMyAccount, DeleteUser
from application.identity.export_my_data import ExportMyData, ExportMyDataHandler
from application.identity.identity_events import IDENTITY_EVENTS
from application.identity.login import Login
from application.identity.refresh import Refresh
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.personal_data import PersonalDataExport
from application.shared.ports.personal_data import PersonalDataSection
from domain.identity.errors import (
    InvalidCredentials,
    InvalidRefreshToken,
    LastAdministrator,
    MissingPermission,
    UserNotFound,
)
from domain.identity.linked_identity import LinkedIdentity
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from tests.application.identity.test_identity_use_cases import (
    PASSWORD,
    World,
    admin,
    holder,
    in_session,
)
from tests.application.identity.test_second_factor import second_factor_check


class WorldWithOutbox(World):
    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path)
        self.outbox = MemoryOutbox(
            IntegrationEvents(EventRegistry(IDENTITY_EVENTS), Uuid7Generator())
        )

    def uow(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        return MemoryIdentityUnitOfWork(self.store, read_only=read_only, outbox=self.outbox)

    def delete(self) -> DeleteAccountHandler:
        return DeleteAccountHandler(
            self.uow, self.hasher, self.clock, self.revocations, second_factor_check()
        )

    async def sent(self) -> list[Any]:
        async with self.outbox.claim(100) as batch:
            batch.sent(len(batch.events))
            return list(batch.events)


@pytest.fixture
def world(tmp_path: Path) -> WorldWithOutbox:
    return WorldWithOutbox(tmp_path)


async def test_a_deletion_erases_the_account_and_tells_the_other_contexts(
    world: WorldWithOutbox,
) -> None:
    user_id = await world.register()
    pair = await world.login()(Login(email="ada@example.com", password=PASSWORD))
    async with world.uow() as uow:  # an account at a provider, linked (social sign-in)
        await uow.linked_identities.add(
            LinkedIdentity(
                user_id=user_id,
                provider="github",
                subject="583231",
                email="ada@example.com",
                linked_at=world.clock.now(),
            )
        )
        await uow.commit()
    await world.sent()
    other_process = world.new_revocations()
    await other_process.sync()

    await world.delete()(DeleteMyAccount(requester=holder(user_id, 1), password=PASSWORD))

    [event] = await world.sent()
    assert (event.type, event.aggregate_id, event.payload) == (
        "identity.AccountDeleted",
        user_id,
        {"user_id": str(user_id)},
    )
    assert not world.revocations.allows(holder(user_id, 1))  # at once in this process
    await other_process.sync()
    assert not other_process.allows(holder(user_id, 1))  # at its next sync elsewhere
    with pytest.raises(InvalidRefreshToken):
        await world.refresh()(Refresh(pair.refresh_token))
    async with world.uow(read_only=True) as uow:
        assert await uow.sessions.of_user(user_id) == []
        assert await uow.users.get_by_email("ada@example.com") is None
        assert await uow.linked_identities.of_user(user_id) == []
        assert await uow.linked_identities.find("github", "583231") is None


async def test_a_deletion_needs_the_right_password_and_happens_once(world: WorldWithOutbox) -> None:
    user_id = await world.register()
    await world.sent()

    with pytest.raises(InvalidCredentials):
        await world.delete()(DeleteMyAccount(requester=holder(user_id, 1), password="wrong"))
    assert await world.sent() == []
    await world.delete()(DeleteMyAccount(requester=holder(user_id, 1), password=PASSWORD))
    with pytest.raises(UserNotFound):
        await world.delete()(DeleteUser(requester=admin(), user_id=user_id))


async def test_only_user_managers_delete_others_and_the_last_admin_stays(
    world: WorldWithOutbox,
) -> None:
    only_admin = await world.register("root@example.com", Role.ADMIN)
    customer = await world.register("bob@example.com")

    with pytest.raises(MissingPermission):
        await world.delete()(DeleteUser(requester=holder(customer, 1), user_id=only_admin))
    with pytest.raises(LastAdministrator):
        await world.delete()(DeleteUser(requester=admin(), user_id=only_admin))
    async with world.uow(read_only=True) as uow:
        kept = await uow.users.get(only_admin)
    assert kept is not None
    assert kept.is_active_admin


class Notes(PersonalDataSection):
    """A context's section as a test declares one: what it holds, by user."""

    name = "notes"

    def __init__(self, notes: dict[UUID, list[str]]) -> None:
        self.notes = notes

    async def export(self, user_id: UUID) -> list[str]:
        return self.notes.get(user_id, [])


async def test_the_export_gathers_the_account_the_sessions_and_each_section(
    world: WorldWithOutbox,
) -> None:
    ada = await world.register()
    bob = await world.register("bob@example.com")
    await world.login()(Login(email="ada@example.com", password=PASSWORD))
    sections = PersonalDataExport(Notes({ada: ["ada's"], bob: ["bob's"]}))
    export = ExportMyDataHandler(world.uow, world.clock, sections)

    async with world.uow(read_only=True) as uow:
        [session] = await uow.sessions.of_user(ada)
    data = await export(ExportMyData(in_session(ada, session.id)))

    assert data.account.email == "ada@example.com"
    assert [(s.id, s.current) for s in data.sessions] == [(session.id, True)]
    assert data.contexts == {"notes": ["ada's"]}
    with pytest.raises(ValueError, match="share a name"):
        PersonalDataExport(Notes({}), Notes({}))
