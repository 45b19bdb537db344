"""`portico worker`: the outbox relay and the event consumers, until SIGTERM or SIGINT.

Run as many as you like: relays claim disjoint batches and every consumer's durable position is
shared, so the workers split the work. SIGTERM stops gracefully (see MessagingRuntime).
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import msgspec
import structlog
from prometheus_client import CollectorRegistry, ProcessCollector

from entrypoints import event_loop
from entrypoints.cli.startup import check_database
from entrypoints.container import build_container, close_container
from entrypoints.heap import freeze_what_start_up_made
from entrypoints.metrics.exposition import metrics_port, serve_metrics
from entrypoints.metrics.messaging import MessagingCollector
from entrypoints.metrics.projections import ProjectionCollector
from entrypoints.projector_runner import projector_runners
from entrypoints.settings import Settings
from entrypoints.tracing import stop_tracing
from entrypoints.worker.maintenance import MaintenanceLoop
from entrypoints.worker.runtime import MessagingRuntime

_log = structlog.get_logger("portico.worker")


def run(args: argparse.Namespace, settings: Settings) -> int:
    port = metrics_port(settings, args.metrics_port)
    check_database(settings)
    if settings.events_stay_in_process:
        _log.warning(
            "worker.memory_bus",
            detail="PORTICO_BUS=memory: events published here reach only this process",
        )
    event_loop.run(
        work(
            settings,
            relay=not args.no_relay,
            consumers=not args.no_consumers,
            projector=settings.projects_in_worker and not args.no_projector,
            metrics_port=port,
        )
    )
    return 0


async def work(
    settings: Settings,
    *,
    relay: bool = True,
    consumers: bool = True,
    projector: bool = False,
    metrics_port: int = 0,
) -> None:
    if metrics_port:  # --metrics-port alone turns metrics on, as PORTICO_METRICS_PORT would
        metrics = msgspec.structs.replace(settings.metrics, port=metrics_port)
        settings = msgspec.structs.replace(settings, metrics=metrics)
    container = build_container(settings)
    runtime = MessagingRuntime(container, relay=relay, consumers=consumers)
    # Several projectors at once are safe: each step is a compare-and-set (docs/ordering.md).
    runners = projector_runners(container) if projector else []
    housekeeping = MaintenanceLoop(container.maintenance(), settings.maintenance.interval)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    _log.info(
        "worker.started",
        bus=settings.bus.backend,
        persistence=settings.persistence,
        projector=projector,
    )
    if metrics_port:
        registry = CollectorRegistry()
        registry.register(MessagingCollector(runtime, loop))
        registry.register(ProjectionCollector(container.projectors(), loop))
        dependencies = container.platform.dependency_metrics()
        if dependencies is not None:  # its pools, cache, payments and breakers
            registry.register(dependencies.registry)
        ProcessCollector(registry=registry)
        serve_metrics(settings, metrics_port, registry)
    await runtime.start()
    for runner in runners:
        await runner.start()
    await housekeeping.start()
    freeze_what_start_up_made()
    try:
        await stopping.wait()
        _log.info("worker.stopping")
        await housekeeping.stop()
        for runner in runners:
            await runner.stop()
        await runtime.stop()
        _log.info("worker.stopped", **await runtime.stats())
    finally:
        await close_container(container)
        stop_tracing()
