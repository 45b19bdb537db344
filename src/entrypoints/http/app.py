"""create_app: the Litestar application, wired to a container."""

from __future__ import annotations

from typing import Any, cast

import structlog
from litestar import Litestar
from litestar.types import ASGIApp

from entrypoints.container import Container, build_container
from entrypoints.http.catalog.controller import ProductController
from entrypoints.http.dependencies import ContainerPlugin
from entrypoints.http.errors import problem_details_plugin
from entrypoints.http.health import HealthController
from entrypoints.http.openapi import openapi_config
from entrypoints.http.request_context import RequestContext
from entrypoints.logs import configure_logging


def create_app(container: Container | None = None) -> Litestar:
    container = container or build_container()
    settings = container.settings()
    configure_logging(settings)

    async def announce() -> None:
        structlog.get_logger("portico").info(
            "portico.started",
            persistence=settings.persistence,
            cache=settings.cache,
            environment=settings.environment,
        )

    app = Litestar(
        route_handlers=[ProductController, HealthController],
        plugins=[ContainerPlugin(container), problem_details_plugin()],
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_size,
        on_startup=[announce],
        logging_config=None,
        debug=False,
    )
    # Outermost layer, around routing and error handling: see RequestContext.
    app.asgi_handler = cast(
        "ASGIApp", RequestContext(cast("Any", app.asgi_handler), access_log=settings.access_log)
    )
    return app
