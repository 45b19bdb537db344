"""ContainerPlugin: exposes the container's use cases to Litestar handlers, by provider name.

A handler asks for `get_product: NamedDependency[GetProductHandler]` and receives
`container.get_product()`. Every provider whose class lives in `application` is exposed, so a
new use case registered in the container is injectable with no change here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dependency_injector import providers
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPlugin

from entrypoints.container import Container, close_container


class ContainerPlugin(InitPlugin):
    def __init__(self, container: Container) -> None:
        self.container = container

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        for name, provider in self.container.providers.items():
            if _is_use_case(provider):
                # use_cache: handlers are stateless singletons, so resolve each once per app.
                app_config.dependencies[name] = Provide(
                    _resolver(provider), use_cache=True, sync_to_thread=False
                )
        app_config.state["container"] = self.container

        async def close() -> None:
            await close_container(self.container)

        app_config.on_shutdown.append(close)
        return app_config


def _is_use_case(provider: Any) -> bool:
    cls = getattr(provider, "cls", None)
    return isinstance(provider, providers.Singleton) and str(
        getattr(cls, "__module__", "")
    ).startswith("application.")


def _resolver(provider: Any) -> Callable[[], Any]:
    def resolve() -> Any:
        return provider()

    return resolve
