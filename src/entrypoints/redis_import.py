"""redis-py without OpenTelemetry's metrics, installed by entrypoints/__init__.py.

redis-py imports `opentelemetry.sdk.metrics` whenever it is installed (tracing brings the SDK),
and the metrics API, for metrics of its own that only `redis.observability`'s init turns on,
which nothing here calls: about 2 MB of every process that uses Redis, and the API 0.5 MB more
(bench/README.md). Spans of Redis commands come from the instrumentation (entrypoints/otel.py),
which does not need them. They are hidden only while the redis package's `__init__` runs (it
imports the rest of redis-py), as entrypoints/__init__.py hides rich from structlog; a later
import of them works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from entrypoints.hidden_imports import PackageImport, hidden

if TYPE_CHECKING:
    from importlib.abc import Loader
    from types import ModuleType

HIDDEN = ("opentelemetry.sdk.metrics", "opentelemetry.metrics")


class RedisWithoutSdkMetrics(PackageImport):
    """Runs the `redis` package's `__init__` with HIDDEN hidden."""

    package = "redis"

    def load(self, module: ModuleType, loader: Loader) -> None:
        with hidden(*HIDDEN):
            loader.exec_module(module)


def install() -> None:
    RedisWithoutSdkMetrics().install()
