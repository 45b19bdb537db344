"""redis-py without the OpenTelemetry SDK's metrics, installed by entrypoints/__init__.py.

redis-py imports `opentelemetry.sdk.metrics` whenever it is installed (tracing brings the SDK),
for metrics of its own that only `redis.observability`'s init turns on, which nothing here
calls: about 2 MB of every process that uses Redis (bench/README.md). Spans of Redis commands
come from the instrumentation (entrypoints/otel.py), which does not need it. The SDK's metrics
are hidden only while the redis package's `__init__` runs (it imports the rest of redis-py),
as entrypoints/__init__.py hides rich from structlog; a later import of them works.
"""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec, PathFinder
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.abc imports importlib.resources, pathlib, tempfile...
    from collections.abc import Sequence
    from importlib.abc import Loader
    from types import ModuleType

HIDDEN = "opentelemetry.sdk.metrics"


class RedisWithoutSdkMetrics:
    """Finds `redis` the usual way, and runs its `__init__` with HIDDEN hidden; then steps
    aside (one import per process)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "redis":
            return None
        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        self.loader: Loader = spec.loader
        spec.loader = self  # type: ignore[assignment]
        return spec

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader  # as if never wrapped (importlib.resources reads it)
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        hide = HIDDEN not in sys.modules
        if hide:
            sys.modules[HIDDEN] = None  # type: ignore[assignment]
        try:
            self.loader.exec_module(module)
        finally:
            if hide and sys.modules.get(HIDDEN, False) is None:
                del sys.modules[HIDDEN]


def install() -> None:
    if "redis" not in sys.modules:
        sys.meta_path.insert(0, RedisWithoutSdkMetrics())
