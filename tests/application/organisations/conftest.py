"""The organisations use cases on memory stores, identity's users beside them, an outbox, a
clock the test moves, and invitation mail over SMTP to a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from adapters.email.smtp import SmtpMailer
from adapters.identity.memory import MemoryIdentityStore, MemoryIdentityUnitOfWork
from adapters.organisations.identity_emails import IdentityEmails
from adapters.organisations.memory import MemoryOrganisationsStore, MemoryOrganisationsUnitOfWork
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.system.ids import Uuid7Generator
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.organisations.organisations_events import ORGANISATIONS_EVENTS
from application.organisations.send_invitation_mail import SendInvitationMail
from domain.identity.principal import Principal
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.roles import Role
from domain.identity.user import User
from domain.organisations.repository import OrganisationsUnitOfWork
from tests.support.clock import FixedClock
from tests.support.mail import smtp_server
from tests.support.smtp_server import SmtpServer

ids = Uuid7Generator()


class World:
    def __init__(self, server: SmtpServer) -> None:
        self.store = MemoryOrganisationsStore()
        self.users = MemoryIdentityStore()
        self.clock = FixedClock()
        self.outbox = MemoryOutbox(IntegrationEvents(EventRegistry(ORGANISATIONS_EVENTS), ids))
        self.emails = IdentityEmails(self.identity_uow)
        self.server = server
        mailer = SmtpMailer(
            host="127.0.0.1", port=server.port, sender="shop@example.com", security="none"
        )
        self.mail = SendInvitationMail(
            self.uow, mailer, self.clock, link_base="https://shop.example"
        )

    def uow(self, *, read_only: bool = False) -> OrganisationsUnitOfWork:
        return MemoryOrganisationsUnitOfWork(self.store, read_only=read_only, outbox=self.outbox)

    def identity_uow(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        return MemoryIdentityUnitOfWork(self.users, read_only=read_only)

    def parts(self, *names: str) -> dict[str, Any]:
        every = {"uow": self.uow, "clock": self.clock, "ids": ids, "emails": self.emails}
        return {name: every[name] for name in names}

    async def user(self, email: str | None = None, *, verified: bool = True) -> Principal:
        """A customer of identity (verified or not) and the principal that acts as them."""
        now = self.clock.now()
        user = User.register(
            id=ids.new_id(),
            email=email or f"user-{ids.new_id().hex[-12:]}@example.com",
            password_hash="$argon2id$x",
            roles=frozenset({Role.CUSTOMER}),
            now=now,
            email_verified=verified,
        )
        async with self.identity_uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return principal_of(user.id)

    async def mailed_events(self) -> int:
        """Hand the outbox's events to the mail consumer, as the worker does; how many mailed."""
        mailed = 0
        async with self.outbox.claim(100) as batch:
            for event in batch.events:
                mailed += await self.mail(event)
            batch.sent(len(batch.events))
        return mailed


def principal_of(user_id: UUID, *roles: Role) -> Principal:
    return Principal(
        subject=str(user_id),
        roles=frozenset(roles or {Role.CUSTOMER}),
        token_id="test",
        expires_at=FixedClock().now(),
    )


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def world(server: SmtpServer) -> World:
    return World(server)
