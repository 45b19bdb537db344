"""The metrics port: Prometheus's text format on its own address (PORTICO_METRICS_HOST and
PORTICO_METRICS_PORT, or --metrics-port), never on the API's port, so an API made public does
not publish its metrics with it.

`portico serve`: granian forks its workers from the process that runs `serve`. Before it does,
`share_between_processes` points prometheus-client's multiprocess mode at a directory made for
this run; each worker counts into its own files there, and the supervising process serves their
sum. `portico worker` is one process: it serves its own registry.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, multiprocess, start_http_server, values
from prometheus_client.registry import Collector

from entrypoints.settings import Settings

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own variable


@contextmanager
def shared_between_processes() -> Iterator[Path]:
    """A fresh directory for this run's per-process files, removed when the run ends (counts
    of a previous run, under pids that may come again, would otherwise be added to ours)."""
    directory = Path(tempfile.mkdtemp(prefix="portico-metrics-"))
    before = os.environ.get(MULTIPROCESS_DIRECTORY)
    os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
    # prometheus-client chooses where values live when it is first imported; forked workers
    # inherit that choice, so make it again now that the directory is set.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    try:
        yield directory
    finally:
        if before is None:
            os.environ.pop(MULTIPROCESS_DIRECTORY, None)
        else:
            os.environ[MULTIPROCESS_DIRECTORY] = before
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        shutil.rmtree(directory, ignore_errors=True)


def sum_of_processes(directory: Path) -> CollectorRegistry:
    """What every worker of this run counted, added up (prometheus-client's multiprocess mode)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return registry


def serve_metrics(settings: Settings, port: int, registry: Collector) -> WSGIServer:
    """Serve `registry` at /metrics from a thread of this process (it ends with the process)."""
    try:
        server, _ = start_http_server(port, addr=settings.metrics.host, registry=registry)
    except OSError as error:  # one line naming the setting, not a traceback
        raise ValueError(
            f"the metrics port {settings.metrics.host}:{port} (PORTICO_METRICS_HOST, "
            f"PORTICO_METRICS_PORT or --metrics-port) cannot be bound: {error.strerror}"
        ) from error
    return server


def metrics_port(settings: Settings, override: int | None) -> int:
    """The port asked for on the command line, else PORTICO_METRICS_PORT; 0 means none."""
    port = settings.metrics.port if override is None else override
    if not 0 <= port < 65536:
        raise ValueError(f"--metrics-port must be between 0 and 65535, not {port}")
    return port
