"""ContainerPlugin: exposes each context's use cases to Litestar handlers, by provider name.

A handler asks for `create_product: NamedDependency[CreateProductHandler]` and receives
`container.catalog.create_product()`. Only the names a context's container lists in `use_cases` are
exposed: the relay, the projector and the units of work are not injectable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPlugin

from domain.shared.tenant import Tenant
from entrypoints.container import Container, close_container
from entrypoints.modules import load_modules

# The request header that names the organisation a request acts within (with tenancy on; the
# organisations context resolves it: entrypoints/organisations/http/tenancy.py).
TENANT_HEADER = "X-Organisation-Id"


class ContainerPlugin(InitPlugin):
    def __init__(self, container: Container) -> None:
        self.container = container

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        for module in load_modules():
            context = getattr(self.container, module.name)
            for name in module.container().use_cases:
                if name in app_config.dependencies:
                    raise ValueError(f"use case {name!r} of {module.name} is already injected")
                # use_cache: handlers are stateless singletons, so resolve each once per app.
                app_config.dependencies[name] = Provide(
                    _resolver(getattr(context, name)), use_cache=True, sync_to_thread=False
                )
        # Routes act within the single tenant unless a context resolves it per request (the
        # organisations context does: entrypoints/organisations/http/tenancy.py).
        app_config.dependencies.setdefault(
            "tenant", Provide(_single_tenant, use_cache=True, sync_to_thread=False)
        )
        app_config.state["container"] = self.container

        async def close() -> None:
            await close_container(self.container)

        app_config.on_shutdown.append(close)
        return app_config


def _single_tenant() -> Tenant:
    return Tenant.single()


def _resolver(provider: Any) -> Callable[[], Any]:
    def resolve() -> Any:
        return provider()

    return resolve
