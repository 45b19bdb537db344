"""The one dependency-injection container: settings choose each port's adapter.

HTTP, the CLI and (later) the worker all build this container; tests override its providers.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.persistence.memory.catalog import MemoryCatalogStore, MemoryCatalogUnitOfWork
from adapters.persistence.sql.catalog import SqlCatalogUnitOfWork
from adapters.persistence.sql.database import SqlDatabase
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.catalog.adjust_stock import AdjustStockHandler
from application.catalog.create_product import CreateProductHandler
from application.catalog.delete_product import DeleteProductHandler
from application.catalog.get_product import GetProductHandler
from application.catalog.list_products import ListProductsHandler
from application.catalog.update_product import UpdateProductHandler
from entrypoints.settings import Settings, load_settings


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

    # Use cases: stateless, so one instance each.
    create_product = providers.Singleton(
        CreateProductHandler, uow=catalog_uow.provider, clock=clock, ids=ids
    )
    update_product = providers.Singleton(
        UpdateProductHandler, uow=catalog_uow.provider, clock=clock
    )
    adjust_stock = providers.Singleton(AdjustStockHandler, uow=catalog_uow.provider, clock=clock)
    delete_product = providers.Singleton(
        DeleteProductHandler, uow=catalog_uow.provider, clock=clock
    )
    get_product = providers.Singleton(GetProductHandler, uow=catalog_uow.provider)
    list_products = providers.Singleton(ListProductsHandler, uow=catalog_uow.provider)


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container


async def close_container(container: Container) -> None:
    """Release what the adapters hold (connection pools); safe to call more than once."""
    if container.settings().persistence == "sql":
        await container.sql_database().dispose()
