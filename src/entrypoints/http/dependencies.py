"""What handlers may inject: each context's use cases, by provider name, on that context's routes.

A handler asks for `create_product: NamedDependency[CreateProductHandler]` and receives
`container.catalog.create_product()`. Only the names a context's container lists in `use_cases` are
exposed, and only to the routes of the context's HTTP part: the relay, the projector and the
units of work are not injectable, and no context's routes see another's use cases.

Why per context rather than on the app: Litestar resolves, for every handler, every dependency of
every layer above it, and checks each against all those before it (its check that no provider is
declared twice). With all 68 use cases on the app that was quadratic in them for each of the 130
handlers: about a fifth of create_app's CPU (bench/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from litestar import Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPlugin

from domain.shared.tenant import Tenant
from entrypoints.container import Container, close_container
from entrypoints.module import HttpPart, Module

# The request header that names the organisation a request acts within (with tenancy on; the
# organisations context resolves it: entrypoints/organisations/http/tenancy.py).
TENANT_HEADER = "X-Organisation-Id"


def context_routes(
    container: Container, module: Module, part: HttpPart, shared: Mapping[str, Any]
) -> Router:
    """The context's route handlers under one layer (no path of its own) that injects its use
    cases. `shared`: the dependencies every route may ask for (the contexts' HttpPart ones, such
    as `tenant`); a use case may not take one of their names. A handler asking for another
    context's use case stops create_app (Litestar: "Explicit dependency ... has no default value,
    or provided dependency")."""
    context = getattr(container, module.name)
    dependencies: dict[str, Provide] = {}
    for name in module.container().use_cases:
        if name in shared:
            raise ValueError(f"use case {name!r} of {module.name} is already injected")
        # use_cache: handlers are stateless singletons, so resolve each once per app.
        dependencies[name] = Provide(
            _resolver(getattr(context, name)), use_cache=True, sync_to_thread=False
        )
    return _Layer(path="/", route_handlers=list(part.route_handlers), dependencies=dependencies)


def api_layer(route_handlers: Sequence[Any], middleware: Sequence[Any]) -> Router:
    """The API's routes (no path of their own) under the contexts' middleware."""
    return _Layer(path="/", route_handlers=list(route_handlers), middleware=list(middleware))


class _Layer(Router):
    """A Router made for one app: Litestar deep-copies a router it registers (one instance may be
    registered in several places), which for a whole context's handlers cost more than scoping
    its use cases saved. This one is registered once, so it is registered as it is."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Layer:
        return self


class ContainerPlugin(InitPlugin):
    """The container in the app's state, closed at shutdown, and the single tenant by default."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
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
