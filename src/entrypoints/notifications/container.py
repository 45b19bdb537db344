"""NotificationsContainer: how customers hear about what happened (PORTICO_NOTIFIER)."""

from __future__ import annotations

from dependency_injector import providers

from adapters.notifications.log import LogNotifier
from entrypoints.deferred import deferred
from entrypoints.module_container import ModuleContainer


class NotificationsContainer(ModuleContainer):
    platform = providers.DependenciesContainer()
    settings = platform.settings

    notifier = providers.Selector(
        settings.provided.notifier.backend,
        log=providers.Singleton(LogNotifier),
        # [adapter:webhook begin]
        webhook=providers.Singleton(
            deferred("adapters.notifications.webhook:WebhookNotifier"),
            url=settings.provided.notifier.webhook_url,
            secret=settings.provided.notifier.webhook_secret,
            timeout=settings.provided.notifier.timeout,
        ),
        # [adapter:webhook end]
    )
    resources = providers.List(notifier)
