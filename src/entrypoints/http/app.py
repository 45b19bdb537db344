"""create_app: the Litestar application, wired to a container."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

import structlog
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.types import ASGIApp

from entrypoints.container import Container, build_container
from entrypoints.http.dependencies import (
    TENANT_HEADER,
    ContainerPlugin,
    api_layer,
    context_routes,
)
from entrypoints.http.dependency_batches import resolve_in_line
from entrypoints.http.errors import problem_details_plugin
from entrypoints.http.exception_handlers import merge_exception_handlers_once
from entrypoints.http.health import HealthController, SharedReadiness
from entrypoints.http.messaging import MessagingController
from entrypoints.http.openapi import (
    StrictStructSchemaPlugin,
    complete_on_first_use,
    openapi_config,
)
from entrypoints.http.options import AllowedMethods
from entrypoints.http.parameters import refuse_repeated_parameters
from entrypoints.http.profiling import ProfileRequest
from entrypoints.http.request_context import RequestContext
from entrypoints.http.responses import Response
from entrypoints.http.security.authentication import check_permissions_enforced
from entrypoints.http.security.headers import SecurityHeaders, security_headers
from entrypoints.http.security.proxies import TrustedProxies
from entrypoints.http.strict_body import StrictJsonRequest
from entrypoints.logs import configure_logging
from entrypoints.modules import load_modules
from entrypoints.projector_runner import projector_runners
from entrypoints.settings import Settings
from entrypoints.tracing import http_tracing, litestar_without_tracing, stop_tracing
from entrypoints.worker.maintenance import MaintenanceLoop
from entrypoints.worker.runtime import MessagingRuntime


def create_app(container: Container | None = None) -> Litestar:
    container = container or build_container()
    settings = container.settings()
    access_line = configure_logging(settings)
    container.platform.tracing()  # before the engine and the clients it instruments are made

    async def announce() -> None:
        structlog.get_logger("portico").info(
            "portico.started",
            persistence=settings.persistence,
            auth=settings.auth.mode,
            cache=settings.cache.backend,
            environment=settings.environment,
        )

    parts = [(module, module.http(container)) for module in load_modules() if module.http]
    api: list[Any] = [MessagingController]  # behind the contexts' middleware (authentication)
    on_startup: list[Any] = [announce]
    on_shutdown: list[Any] = []
    middleware: list[Any] = []
    dependencies: dict[str, Any] = {}
    stores: dict[str, Any] = {}
    for _, part in parts:
        middleware += part.middleware
        dependencies.update(part.dependencies)
        stores.update(part.stores)
        on_startup += part.on_startup
        on_shutdown += part.on_shutdown
    for module, part in parts:  # each context's routes, with its use cases
        api.append(context_routes(container, module, part, shared=dependencies))
    # Health and the OpenAPI pages stay outside it: a probe's request skips the bearer middleware
    # altogether instead of passing through it to be excluded by path.
    route_handlers: list[Any] = [HealthController, api_layer(api, middleware)]
    if settings.projects_in_serve:
        for runner in projector_runners(container):
            on_startup.append(runner.start)
            on_shutdown.append(runner.stop)  # before the container's pools close
    # With the in-process bus (the default), the API relays and consumes its own events. With
    # the memory cache and NATS, every API process also listens, to forget what others changed.
    in_process, listening = settings.runs_worker_in_process, settings.listens_for_cache_invalidation
    messaging = None
    if in_process or listening:
        messaging = MessagingRuntime(
            container, relay=in_process, consumers=in_process, listeners=listening
        )
        on_startup.append(messaging.start)
        on_shutdown.append(messaging.stop)
    metrics = container.platform.metrics()
    if metrics is not None:
        on_startup.append(metrics.start)
        on_shutdown.append(metrics.close)
    if in_process:  # the processes that relay also keep the tables tidy (one at a time)
        housekeeping = MaintenanceLoop(container.maintenance(), settings.maintenance.interval)
        on_startup.append(housekeeping.start)
        on_shutdown.append(housekeeping.stop)

    on_shutdown.append(stop_tracing)  # last: flush the spans of shutting down
    tracing = http_tracing(settings)
    name_span = tracing.get("before_request")
    allowed_methods = AllowedMethods()

    async def before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
        if name_span is not None:
            name_span(request)
        refuse_repeated_parameters(request)
        return await allowed_methods(request)

    with litestar_without_tracing(settings):
        app = Litestar(
            route_handlers=route_handlers,
            plugins=[
                ContainerPlugin(container),
                problem_details_plugin(),
                StrictStructSchemaPlugin(),
                *tracing.get("plugins", []),
            ],
            dependencies=dependencies,
            stores=stores,
            cors_config=_cors(settings),
            openapi_config=openapi_config(),
            request_max_body_size=settings.http.max_body_size,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            state=State({"messaging": messaging, "readiness": SharedReadiness(container)}),
            before_request=before_request,
            request_class=StrictJsonRequest,
            response_class=Response,  # the answer built in one pass (entrypoints/http/responses.py)
            logging_config=None,
            debug=False,
        )
    allowed_methods.learn(app)
    resolve_in_line(app)
    check_permissions_enforced(app)
    complete_on_first_use(app)
    merge_exception_handlers_once(app)  # last: it gives each handler a class of its own
    # Outermost layers, around routing and error handling: see RequestContext. It adds the
    # security headers itself (one layer fewer per request), except around a profile report,
    # which must not get the API's CSP (its page runs scripts).
    handler: Any = app.asgi_handler
    hsts = settings.http.hsts
    headers = None
    if settings.http.profiling:
        handler = ProfileRequest(SecurityHeaders(handler, hsts=hsts))
    else:
        headers = partial(security_headers, hsts=hsts)
    handler = RequestContext(
        handler,
        access=access_line,
        observe=metrics.request if metrics is not None else None,
        headers=headers,
    )
    if proxies := settings.http.trusted_proxy_networks:
        handler = TrustedProxies(handler, proxies)  # outermost: everything sees the real client
    app.asgi_handler = cast("ASGIApp", handler)
    return app


def _cors(settings: Settings) -> CORSConfig | None:
    """Cross-origin calls only from PORTICO_CORS_ORIGINS; none by default."""
    origins = settings.http.cors_origin_list
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "X-Request-Id",
            TENANT_HEADER,  # a front end on another origin names its organisation
        ],
        expose_headers=["ETag", "Location", "X-Request-Id", "Retry-After"],
        allow_credentials=False,
        max_age=600,
    )
