"""create_app: the Litestar application, wired to a container."""

from __future__ import annotations

from typing import Any, cast

import structlog
from litestar import Litestar
from litestar.datastructures import State
from litestar.types import ASGIApp

from entrypoints.container import Container, build_container
from entrypoints.http.audit.controller import AuditController
from entrypoints.http.catalog.controller import ProductController
from entrypoints.http.dependencies import ContainerPlugin
from entrypoints.http.errors import problem_details_plugin
from entrypoints.http.health import HealthController
from entrypoints.http.messaging import MessagingController
from entrypoints.http.openapi import openapi_config
from entrypoints.http.request_context import RequestContext
from entrypoints.logs import configure_logging
from entrypoints.worker.runtime import MessagingRuntime


def create_app(container: Container | None = None) -> Litestar:
    container = container or build_container()
    settings = container.settings()
    configure_logging(settings)

    async def announce() -> None:
        structlog.get_logger("portico").info(
            "portico.started", persistence=settings.persistence, environment=settings.environment
        )

    # With the in-process bus (the default), the API relays and consumes its own events.
    messaging = MessagingRuntime(container) if settings.runs_worker_in_process else None
    on_startup: list[Any] = [announce]
    on_shutdown: list[Any] = []
    if messaging is not None:
        on_startup.append(messaging.start)
        on_shutdown.append(messaging.stop)

    app = Litestar(
        route_handlers=[ProductController, AuditController, MessagingController, HealthController],
        plugins=[ContainerPlugin(container), problem_details_plugin()],
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_size,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        state=State({"messaging": messaging}),
        logging_config=None,
        debug=False,
    )
    # Outermost layer, around routing and error handling: see RequestContext.
    app.asgi_handler = cast(
        "ASGIApp", RequestContext(cast("Any", app.asgi_handler), access_log=settings.access_log)
    )
    return app
