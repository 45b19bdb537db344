"""The one dependency-injection container: settings choose each port's adapter.

HTTP, the CLI and (later) the worker all build this container; tests override its providers.
"""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.cache.memory import MemoryCache
from adapters.cache.none import NoCache
from adapters.cache.redis import FAILURES, RedisCache, connect_redis, log_breaker_change
from adapters.persistence.memory.catalog import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.persistence.sql.catalog import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.resilience.circuit_breaker import CircuitBreaker
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.catalog.adjust_stock import AdjustStockHandler
from application.catalog.create_product import CreateProductHandler
from application.catalog.delete_product import DeleteProductHandler
from application.catalog.get_product import GetProductHandler
from application.catalog.list_products import ListProductsHandler
from application.catalog.read_cache import CatalogReadCache
from application.catalog.update_product import UpdateProductHandler
from application.shared.after_commit import AfterCommit
from application.shared.read_through import ReadThrough
from entrypoints.settings import Settings, load_settings


def build_redis_cache(settings: Settings) -> RedisCache:
    timeout = settings.redis_timeout_ms / 1000
    breaker = CircuitBreaker(
        "redis-cache",
        failure_threshold=settings.cache_breaker_failures,
        reset_timeout=settings.cache_breaker_reset_ms / 1000,
        failure_types=FAILURES,
        on_change=log_breaker_change,
    )
    client = connect_redis(settings.redis_url, pool_size=settings.redis_pool_size, timeout=timeout)
    return RedisCache(client, prefix=settings.cache_prefix, timeout=timeout, breaker=breaker)


def uses_cache(settings: Settings) -> bool:
    return settings.cache != "none"


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(load_settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)

    # Persistence: PORTICO_PERSISTENCE picks the adapter; for sql, PORTICO_DATABASE_URL the engine.
    sql_database = providers.Singleton(
        SqlDatabase,
        url=settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
        echo=settings.provided.database_echo,
    )
    memory_catalog_store = providers.Singleton(MemoryCatalogStore)
    catalog_uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(SqlCatalogUnitOfWork, database=sql_database),
        memory=providers.Factory(MemoryCatalogUnitOfWork, store=memory_catalog_store),
    )

    # Cache: PORTICO_CACHE picks the adapter; reads go through it, commits invalidate it.
    redis_cache = providers.Singleton(build_redis_cache, settings)
    cache = providers.Selector(
        settings.provided.cache,
        none=providers.Singleton(NoCache),
        memory=providers.Singleton(MemoryCache, max_entries=settings.provided.cache_max_entries),
        redis=redis_cache,
    )
    cache_ttl = providers.Factory(timedelta, seconds=settings.provided.cache_ttl)
    # With no cache, no single flight either: every read reaches the database.
    read_through = providers.Singleton(
        ReadThrough, cache=cache, single_flight=providers.Callable(uses_cache, settings)
    )
    catalog_read_cache = providers.Singleton(CatalogReadCache, reads=read_through)
    after_commit = providers.Singleton(AfterCommit, catalog_read_cache.provided.on_committed)

    # Use cases: stateless, so one instance each.
    create_product = providers.Singleton(
        CreateProductHandler,
        uow=catalog_uow.provider,
        clock=clock,
        ids=ids,
        after_commit=after_commit,
    )
    update_product = providers.Singleton(
        UpdateProductHandler, uow=catalog_uow.provider, clock=clock, after_commit=after_commit
    )
    adjust_stock = providers.Singleton(
        AdjustStockHandler, uow=catalog_uow.provider, clock=clock, after_commit=after_commit
    )
    delete_product = providers.Singleton(
        DeleteProductHandler, uow=catalog_uow.provider, clock=clock, after_commit=after_commit
    )
    get_product = providers.Singleton(
        GetProductHandler, uow=catalog_uow.provider, reads=read_through, ttl=cache_ttl
    )
    list_products = providers.Singleton(
        ListProductsHandler, uow=catalog_uow.provider, reads=read_through, ttl=cache_ttl
    )


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container


async def close_container(container: Container) -> None:
    """Release what the adapters hold (connection pools); safe to call more than once."""
    settings = container.settings()
    if settings.persistence == "sql":
        await container.sql_database().dispose()
    if settings.cache == "redis":
        await container.redis_cache().close()
