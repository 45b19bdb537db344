"""CatalogContainer: products and their stock, state in SQL (or memory), reads cached."""

from __future__ import annotations

from dependency_injector import providers

from adapters.catalog.memory import (
    MemoryCatalogStore,
    MemoryCatalogUnitOfWork,
    MemoryProductReader,
)
from adapters.catalog.sql import SqlCatalogUnitOfWork, SqlProductReader
from application.catalog.adjust_stock import AdjustStockHandler
from application.catalog.create_product import CreateProductHandler
from application.catalog.delete_product import DeleteProductHandler
from application.catalog.invalidate_cache import ForgetChangedProducts
from application.catalog.read_cache import (
    CatalogReadCache,
    cached_get_product,
    cached_list_products,
)
from application.catalog.update_product import UpdateProductHandler
from entrypoints.deferred import deferred
from entrypoints.module_container import ModuleContainer, made_once, reacting
from entrypoints.platform.sql_engines import by_sql_engine


class CatalogContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    use_cases = (
        "create_product",
        "update_product",
        "adjust_stock",
        "delete_product",
        "get_product",
        "list_products",
    )
    clock, ids = platform.clock, platform.ids

    read_cache = providers.Singleton(CatalogReadCache, reads=platform.read_through)
    # Every commit (of any context) that records product events forgets their cached reads.
    after_commit = providers.List(read_cache.provided.on_committed)
    # Listener: every API process runs it for itself, with its own copy of every event
    # (MessageBus.listen); `portico serve` runs it when Settings.listens_for_cache_invalidation.
    listeners = providers.List(providers.Singleton(ForgetChangedProducts, read_cache=read_cache))

    # Units of work that change state carry `on_committed`: reactions after every commit.
    memory_store = providers.Singleton(MemoryCatalogStore)
    uow = providers.Selector(
        platform.persistence,
        sql=reacting(
            SqlCatalogUnitOfWork,
            database=platform.sql_database,
            outbox=platform.sql_outbox,
            on_committed=platform.after_commit,
        ),
        memory=reacting(
            MemoryCatalogUnitOfWork,
            store=memory_store,
            outbox=platform.memory_outbox,
            on_committed=platform.after_commit,
        ),
        # [adapter:redis begin]
        redis=reacting(
            deferred("adapters.catalog.redis:RedisCatalogUnitOfWork"),
            documents=platform.redis_documents,
            outbox=platform.redis_outbox,
            on_committed=platform.after_commit,
        ),
        # [adapter:redis end]
    )

    # The query side reads views straight from the same store, without a unit of work; on
    # PostgreSQL with the driver's own calls, on the other engines through SQLAlchemy Core.
    reader = providers.Selector(
        platform.persistence,
        sql=by_sql_engine(
            platform.sql_database,
            SqlProductReader,
            "adapters.catalog.postgres:PostgresProductReader",  # [adapter:postgresql]
        ),
        memory=providers.Singleton(MemoryProductReader, store=memory_store),
        # [adapter:redis begin]
        redis=providers.Singleton(
            deferred("adapters.catalog.redis:RedisProductReader"),
            documents=platform.redis_documents,
        ),
        # [adapter:redis end]
    )

    # Use cases: stateless, so one instance each.
    units_of_work = made_once(uow)  # what the handlers make their units of work with
    create_product = providers.Singleton(
        CreateProductHandler, uow=units_of_work, clock=clock, ids=ids
    )
    update_product = providers.Singleton(UpdateProductHandler, uow=units_of_work, clock=clock)
    adjust_stock = providers.Singleton(AdjustStockHandler, uow=units_of_work, clock=clock)
    delete_product = providers.Singleton(DeleteProductHandler, uow=units_of_work, clock=clock)
    # Queries behind the read-through cache, composed here: their handlers only load.
    get_product = providers.Singleton(
        cached_get_product, products=reader, reads=platform.read_through, ttl=platform.cache_ttl
    )
    list_products = providers.Singleton(
        cached_list_products, products=reader, reads=platform.read_through, ttl=platform.cache_ttl
    )
