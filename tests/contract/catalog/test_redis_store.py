"""PORTICO_PERSISTENCE=redis as configured and run: the wiring, the start-up check of the server's
durability, and a private redis-server killed (SIGKILL) and restarted on its append-only file:
with `appendfsync always` no acknowledged write is lost, with `everysec` each commit comes back
whole or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis as SyncRedis

from adapters.cache.redis_client import connect_redis
from adapters.catalog.redis import RedisCatalogUnitOfWork
from adapters.persistence.redis.documents import RedisDocuments
from adapters.persistence.redis.outbox import RedisOutbox
from adapters.system.ids import Uuid7Generator
from application.catalog.create_product import CreateProduct
from application.catalog.get_product import GetProduct
from application.catalog.product_events import CATALOG_EVENTS
from application.messaging.registry import EventRegistry, IntegrationEvents
from application.shared.errors import DependencyUnavailable
from domain.catalog.errors import DuplicateSku
from domain.catalog.product import Product
from domain.shared.money import Money
from domain.shared.tenant import Tenant
from entrypoints.catalog.container import CatalogContainer
from entrypoints.cli.startup import check_store
from entrypoints.platform.container import PlatformContainer
from entrypoints.settings import AuthSettings, RedisSettings, Settings, SettingsError
from entrypoints.settings.groups import MfaSettings
from tests.support.redis import (
    PATIENCE,
    REDIS_URL,
    PrivateRedis,
    delete_prefix,
    private_redis,
    unique_prefix,
)
from tests.support.servers import require_server

pytestmark = pytest.mark.redis
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
ids = Uuid7Generator()


def redis_settings(url: str, prefix: str, **changes: object) -> Settings:
    options: dict[str, object] = {"auth": AuthSettings(dev_key_file="/nonexistent/key.json")}
    options.update(changes)
    return Settings(
        persistence="redis",
        redis=RedisSettings(url=url, store_prefix=prefix),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def platform() -> AsyncIterator[PlatformContainer]:
    url = require_server(REDIS_URL, "PORTICO_TEST_REDIS_URL")
    container = PlatformContainer(settings=redis_settings(url, unique_prefix()))
    container.event_registry.add_args(CATALOG_EVENTS)
    documents = container.redis_documents()
    try:
        yield container
    finally:
        await delete_prefix(documents.client, documents.prefix)
        await documents.close()


async def test_the_configured_contexts_commit_and_relay_on_redis(
    platform: PlatformContainer,
) -> None:
    catalog = CatalogContainer(platform=platform)
    assert isinstance(catalog.uow(), RedisCatalogUnitOfWork)
    assert platform.database() is None

    created = await catalog.create_product()(
        CreateProduct(
            tenant=Tenant.single(),
            sku="TEA-1",
            name="Tea",
            price_amount="4.50",
            price_currency="EUR",
            stock=3,
        )
    )
    read = await catalog.get_product()(GetProduct(Tenant.single(), created.id))
    published = await platform.relay().relay_once()

    assert (read.sku, read.stock, read.version) == ("TEA-1", 3, 1)
    assert published == 1
    assert await platform.outbox().backlog() == 0
    assert await platform.probes()["database"]() == "up"


def test_production_refuses_a_redis_whose_aof_would_lose_writes(tmp_path: Path) -> None:
    production = {
        "environment": "production",
        "auth": AuthSettings(signing_keys="/run/secrets/signing-key.pem"),
        "mfa": MfaSettings(secret_key="a production key that seals authenticators"),
    }
    with (
        private_redis() as bare,
        private_redis("--appendonly", "yes", "--dir", str(tmp_path)) as durable,
    ):
        with pytest.raises(SettingsError, match="appendonly=no appendfsync=everysec"):
            check_store(redis_settings(bare.url, "p", **production))
        check_store(redis_settings(durable.url, "p", **production))  # AOF, fsync every second
        with SyncRedis.from_url(durable.url) as admin:  # one that may evict the store's keys
            admin.config_set("maxmemory-policy", "allkeys-lru")
        with pytest.raises(SettingsError, match="maxmemory-policy=allkeys-lru"):
            check_store(redis_settings(durable.url, "p", **production))
        check_store(redis_settings(bare.url, "p"))  # development: a warning, not a refusal
        with pytest.raises(SettingsError, match="PORTICO_REDIS_URL: cannot reach Redis"):
            bare.kill()
            check_store(redis_settings(bare.url, "p"))


def product(n: int) -> Product:
    return Product.create(
        tenant=Tenant.single(),
        id=ids.new_id(),
        sku=f"SKU-{n}",
        name=f"Product {n}",
        description="",
        price=Money.of("1.00", "EUR"),
        stock=n,
        now=T0 + timedelta(seconds=n),
    )


async def test_no_acknowledged_write_is_lost_when_redis_is_killed_with_fsync_always(
    tmp_path: Path,
) -> None:
    assert await _commit_kill_restart("always", tmp_path) == 20  # every acknowledged write


async def test_a_killed_redis_with_fsync_everysec_keeps_whole_commits_in_order(
    tmp_path: Path,
) -> None:
    """With `everysec` Redis may hold a write in memory (up to 2 s, while a background fsync is
    slow) yet answer the client, so a kill can lose the last acknowledged commits
    (docs/persistence.md#durability); what it keeps is each commit whole and in order."""
    await _commit_kill_restart("everysec", tmp_path)


async def _commit_kill_restart(fsync: str, tmp_path: Path) -> int:
    """Commits 20 products one by one, each acknowledged on its own, SIGKILLs the server right
    after the last answer, restarts it on the same append-only file, and checks that what came
    back is whole: a prefix of the commits, each product with its stock and its outbox event,
    and the unique sku index holding exactly the products that came back. Returns how many."""
    options = ("--appendonly", "yes", "--appendfsync", fsync, "--dir", str(tmp_path))
    with private_redis(*options) as server:
        documents = await _store(server)
        events = IntegrationEvents(EventRegistry(CATALOG_EVENTS), ids)
        outbox = RedisOutbox(documents, events)
        made = [product(n) for n in range(20)]
        for item in made:
            await _add(documents, outbox, item)
        server.kill()
        with pytest.raises(DependencyUnavailable, match="redis"):  # a 503, not a 500, meanwhile
            async with RedisCatalogUnitOfWork(documents, read_only=True) as uow:
                await uow.products.get(Tenant.single(), made[0].id)
        await documents.close()
        server.start()

        documents = await _store(server)
        outbox = RedisOutbox(documents, events)
        try:
            async with RedisCatalogUnitOfWork(documents, read_only=True) as uow:
                stored = await uow.products.page(Tenant.single(), after=None, limit=50)
            kept = len(stored)
            assert [p.sku for p in stored] == [p.sku for p in made[:kept]]
            assert [p.stock for p in stored] == list(range(kept))
            assert await outbox.backlog() == kept
            for n in range(kept):  # the unique index came back with the documents
                with pytest.raises(DuplicateSku):
                    await _add(documents, outbox, product(n))
            for n in range(kept, 20):  # and holds no sku of a lost commit
                await _add(documents, outbox, product(n))
            return kept
        finally:
            await documents.close()


async def _add(documents: RedisDocuments, outbox: RedisOutbox, item: Product) -> None:
    async with RedisCatalogUnitOfWork(documents, outbox=outbox) as uow:
        await uow.products.add(item)
        await uow.commit()


async def _store(server: PrivateRedis) -> RedisDocuments:
    documents = RedisDocuments(connect_redis(server.url, pool_size=4, timeout=PATIENCE), prefix="t")
    await documents.ping()
    return documents
