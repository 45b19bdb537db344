"""Identity on Redis beyond the shared contract: its events go to the Redis outbox in the same
commit as the user (and not at all when the commit is refused), a mailed token's sibling purged
meanwhile is not brought back by a use, and a user document written before email verification
existed reads as unverified; and the mailed verification flow runs on it end to end."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from dependency_injector import providers

from adapters.identity.redis import RedisIdentityUnitOfWork
from adapters.persistence.redis.documents import RedisDocuments
from application.identity.identity_events import IDENTITY_EVENTS
from application.identity.register_user import RegisterUser
from application.identity.verify_email import VerifyEmail
from domain.identity.errors import EmailTaken, InvalidAccountToken
from entrypoints.identity.container import IdentityContainer
from entrypoints.platform.container import PlatformContainer
from entrypoints.settings import AuthSettings, RedisSettings, Settings
from tests.conftest import FAST_PASSWORDS
from tests.contract.conftest import redis_documents
from tests.contract.identity.test_account_tokens import new_token, save_tokens
from tests.contract.identity.test_identity_unit_of_work import T0, new_user, save
from tests.support.mail import mail_settings, mails_to, smtp_server, token_of
from tests.support.redis import REDIS_URL, delete_prefix, unique_prefix
from tests.support.servers import require_server

pytestmark = pytest.mark.redis


@pytest.fixture
async def platform() -> AsyncIterator[PlatformContainer]:
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    settings = Settings(
        persistence="redis",
        redis=RedisSettings(url=url, store_prefix=unique_prefix()),
        auth=AuthSettings(dev_key_file="/nonexistent/key.json"),
        passwords=FAST_PASSWORDS,
    )
    container = PlatformContainer(settings=settings)
    container.event_registry.add_args(IDENTITY_EVENTS)
    documents = container.redis_documents()
    try:
        yield container
    finally:
        await delete_prefix(documents.client, documents.prefix)
        await documents.close()


async def test_identity_events_are_committed_with_the_user_and_relayed(
    platform: PlatformContainer,
) -> None:
    identity = IdentityContainer(platform=platform)
    assert isinstance(identity.uow(), RedisIdentityUnitOfWork)
    register = identity.register_user()

    await register(RegisterUser(email="ada@example.com", password="a long passphrase 42"))
    written = await platform.outbox().backlog()
    with pytest.raises(EmailTaken):  # a refused commit writes no event
        await register(RegisterUser(email="ada@example.com", password="another passphrase 7"))

    assert written == 2  # UserRegistered, EmailVerificationRequested
    assert await platform.outbox().backlog() == written
    assert await platform.relay().relay_once() == written
    assert await platform.outbox().backlog() == 0


async def test_a_mailed_verification_link_works_once_on_redis(platform: PlatformContainer) -> None:
    with smtp_server() as server:
        settings = mail_settings(platform.settings(), server)
        platform.settings.override(providers.Object(settings))
        identity = IdentityContainer(platform=platform)
        user = await identity.register_user()(
            RegisterUser(email="bob@example.com", password="a long passphrase 42")
        )
        async with platform.outbox().claim(10) as batch:  # what the bus hands the consumer
            for event in batch.events:
                await identity.accounts.send_account_mail()(event)
        [mail] = await mails_to(server, "bob@example.com")
        verify = identity.verify_email()
        await verify(VerifyEmail(token=token_of(mail)))
        with pytest.raises(InvalidAccountToken):
            await verify(VerifyEmail(token=token_of(mail)))
        async with identity.uow() as uow:
            stored = await uow.users.get(user.id)

    assert stored is not None
    assert stored.email_verified


@pytest.fixture
async def documents() -> AsyncIterator[RedisDocuments]:
    async with redis_documents() as store:
        yield store


async def test_a_use_does_not_bring_back_a_sibling_purged_meanwhile(
    documents: RedisDocuments,
) -> None:
    user = new_user()
    factory = lambda **kw: RedisIdentityUnitOfWork(documents, **kw)  # noqa: E731
    await save(factory, user)
    kept, expiring = new_token(user), new_token(user)
    kept = dataclasses.replace(kept, expires_at=T0 + timedelta(days=3))
    await save_tokens(factory, kept, expiring)

    async with factory() as using:
        assert await using.account_tokens.use(kept, T0) is True  # spends `expiring` too
        async with factory() as purging:
            assert await purging.account_tokens.purge_expired(T0 + timedelta(days=1)) == 1
            await purging.commit()
        await using.commit()

    key = documents.key("identity", "account-token", expiring.digest)
    assert await documents.client.exists(key) == 0
    async with factory(read_only=True) as uow:
        stored = await uow.account_tokens.find(kept.digest, kept.purpose)
    assert stored is not None
    assert stored.used_at == T0


async def test_a_user_written_before_email_verification_reads_as_unverified(
    documents: RedisDocuments,
) -> None:
    user = new_user()
    factory = lambda **kw: RedisIdentityUnitOfWork(documents, **kw)  # noqa: E731
    await save(factory, user)
    key = documents.key("identity", "user", str(user.id))
    document = json.loads(await documents.client.hget(key, "d"))
    del document["email_verified_at"]
    await documents.client.hset(key, "d", json.dumps(document))

    async with factory(read_only=True) as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert (stored.email, stored.email_verified_at) == (user.email, None)
