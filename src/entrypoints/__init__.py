"""The ways in: http/ (Litestar), cli/, and the container that wires adapters to ports."""

import sys

from entrypoints import (
    redis_import,  # [adapter:redis]
    sqlalchemy_import,
    unused_imports,
)
from entrypoints.hidden_imports import hidden


def _structlog_alone() -> None:
    """Import structlog as if rich and greenlet were not installed, before anything else here
    imports it.

    structlog imports rich whenever it is installed (Litestar's CLI brings it), for the
    tracebacks of its console format: about 3 MB and 30 ms of CPU in every process, which the
    JSON lines of a server never use. Hidden only while structlog is imported, as
    entrypoints/tracing.py hides Litestar's OpenTelemetry plugin: a later `import rich` works,
    and logs.py gives the console format rich's tracebacks itself, importing rich then.
    greenlet likewise, for the deprecated `structlog.threadlocal`, which nothing here uses: 1 MB
    of serve's supervisor; SQLAlchemy imports it where the database is used.
    """
    if "structlog" in sys.modules:
        return
    with hidden("rich", "greenlet"):
        import structlog  # noqa: F401


_structlog_alone()
redis_import.install()  # [adapter:redis]
sqlalchemy_import.install()
unused_imports.install()


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed package's metadata when first asked for:
    importlib.metadata (with the email and zipfile modules it imports) is 2 MB and ~15 ms of
    CPU of a process that never asks, such as serve's supervisor."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("portico")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
