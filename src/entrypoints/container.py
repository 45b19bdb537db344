"""The root container: the settings, the platform, and one sub-container per context.

HTTP, the CLI and the worker all build it with `build_container`; tests override providers
(`container.catalog.get_product.override(...)`). The contexts come from `entrypoints/modules.py`;
this file names none of them. The root also gathers what every context contributes:
`consumers`, `listeners`, `projectors`, `probes`, `resources` and the `chores` of
`maintenance`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol, runtime_checkable

import structlog
from dependency_injector import containers, providers

from application.shared.maintenance import Maintenance
from entrypoints.modules import load_modules, unsupported_store
from entrypoints.platform.container import PlatformContainer
from entrypoints.settings import Settings, SettingsError, load_settings

_log = structlog.get_logger("portico")


@runtime_checkable
class Closeable(Protocol):
    def close(self) -> Awaitable[None]: ...


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(load_settings)
    platform = providers.Container(PlatformContainer, settings=settings)


def build_container(settings: Settings | None = None) -> Container:
    container = _root(settings)
    modules = load_modules()
    for module in modules:
        needed = {name: getattr(container, name) for name in module.needs}
        container.set_provider(
            module.name,
            providers.Container(module.container(), platform=container.platform, **needed),
        )
    contexts = [getattr(container, module.name) for module in modules]
    platform: Any = container.platform
    platform.after_commit.add_args(*_gathered(contexts, "after_commit"))
    platform.personal_data.add_args(*_gathered(contexts, "personal_data"))
    platform.event_registry.add_args(*(m.events for m in modules if m.events is not None))
    for name in ("consumers", "listeners", "projectors"):
        container.set_provider(name, providers.List(*_gathered(contexts, name)))
    resources = [*platform.resources.args, *_gathered(contexts, "resources")]
    container.set_provider("resources", providers.List(*resources))
    probes = dict(platform.probes.kwargs)
    for module, context in zip(modules, contexts, strict=True):
        if clash := probes.keys() & context.probes.kwargs.keys():
            raise ValueError(f"{module.name} names a readiness probe already taken: {clash}")
        probes.update(context.probes.kwargs)
    container.set_provider("probes", providers.Dict(probes))
    chores = providers.Callable(_joined, platform.chores, *(c.chores for c in contexts))
    container.set_provider(
        "maintenance",
        providers.Singleton(Maintenance, chores=chores, clock=platform.clock, lease=platform.lease),
    )
    return container


def _root(settings: Settings | None) -> Container:
    """The root container on `settings`; refuses a persistence a context has no adapter for."""
    container = Container()
    if settings is not None:
        if refusal := unsupported_store(settings.persistence, load_modules()):
            raise SettingsError(refusal)
        container.settings.override(providers.Object(settings))
    return container


def _joined(*lists: list[Any]) -> list[Any]:
    return [item for items in lists for item in items]


def _gathered(contexts: list[Any], name: str) -> list[Any]:
    """The providers each context lists under `name` (a `providers.List` of its container)."""
    return [part for context in contexts for part in getattr(context, name).args]


async def close_container(container: Container) -> None:
    """Release what the configured adapters hold (connections, pools); safe to call again."""
    for resource in container.resources():
        if isinstance(resource, Closeable):
            try:
                await resource.close()
            except Exception as error:  # one failing close must not keep the others open
                _log.warning(
                    "container.close_failed", resource=type(resource).__name__, error=str(error)
                )


def active_probes(container: Any) -> dict[str, Any]:
    """The readiness probes of the configured adapters, platform and contexts."""
    return {name: probe for name, probe in container.probes().items() if probe is not None}
