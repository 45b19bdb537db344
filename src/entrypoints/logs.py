"""Structured logging: structlog for ours and the standard library's lines; JSON off a terminal."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import msgspec
import structlog

from entrypoints.error_tracking import configure_error_tracking, report_errors
from entrypoints.settings import Settings

# msgspec is several times faster than json.dumps; enc_hook=str keeps any odd value loggable.
_json = msgspec.json.Encoder(enc_hook=str)


def _serialize(event: Any, **_: Any) -> str:
    return _json.encode(event).decode()


class _Stdout:
    """Whatever sys.stdout is when a line is written, not when logging was configured.

    A replaced stdout (pytest's capture, a redirect) may be closed later; a logger bound to the
    old object would then fail on every line.
    """

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _: Any) -> None:  # StreamHandler.__init__ assigns it; the property wins
        pass


# What RequestContext hands over per request: method, path, status, seconds, client address.
AccessLine = Callable[[str, str, int, float, Any], None]


def configure_logging(settings: Settings) -> AccessLine | None:
    """Configure structlog and the standard library's logging; give back how to write the
    access line (None when PORTICO_ACCESS_LOG=false or the level is above INFO)."""
    as_json = settings.logging.format == "json" or (
        settings.logging.format == "auto" and not sys.stdout.isatty()
    )
    # The access line's fast path (_json_access_line) does these three itself.
    head: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    tail: list[Any] = []
    if settings.tracing.enabled:
        from entrypoints.otel import add_trace_ids  # the SDK loads only when tracing is on

        tail.append(add_trace_ids)
    if configure_error_tracking(settings):
        tail.append(report_errors)  # before the renderer turns exc_info into text
    renderer: Any
    shared = [*head, *tail]
    if as_json:
        # No locals in tracebacks: they may hold passwords and tokens.
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
        renderer = structlog.processors.JSONRenderer(serializer=_serialize)
    else:
        renderer = structlog.dev.ConsoleRenderer(exception_formatter=_rich_traceback)
    level = logging.getLevelNamesMapping()[settings.logging.level]

    # Our own lines: straight to structlog's fast path, no stdlib record in between.
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(_Stdout()),  # type: ignore[arg-type]
        # Cached loggers ignore a later configure(); tests reconfigure per app, so they opt out.
        cache_logger_on_first_use=settings.environment != "test",
    )
    # Library lines (granian, sqlalchemy, alembic): through the same processors and renderer.
    handler = _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if settings.database.echo:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    if not settings.logging.access_log or level > logging.INFO:
        return None
    if not as_json:
        return _through_structlog(structlog.get_logger("portico.access"))
    # The rest of the chain but the exception renderer (an access line carries no exception):
    # the trace ids, the error tracker (which passes an INFO line by).
    return _json_access_line(tail)


def _rich_traceback(sio: TextIO, exc_info: Any) -> None:
    """The console format's traceback, drawn by rich as structlog's own formatter draws it (with
    the locals: a developer's terminal). structlog is imported without rich
    (entrypoints/__init__.py), so rich is imported here, with the first traceback."""
    try:
        from rich.console import Console
        from rich.traceback import Traceback
    except ImportError:  # not installed: Python's own
        structlog.dev.plain_traceback(sio, exc_info)
        return
    sio.write("\n")
    Console(file=sio, color_system="truecolor").print(
        Traceback.from_exception(*exc_info, show_locals=True)
    )


def _through_structlog(access: Any) -> AccessLine:
    def write(method: str, path: str, status: int, seconds: float, client: Any) -> None:
        access.info(
            "http.request",
            method=method,
            path=path,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            client=client,
        )

    return write


def _json_access_line(processors: list[Any]) -> AccessLine:
    """The access line as structlog's JSON chain renders it (same keys, same order), built as
    one dict, encoded once and written once. Through the chain it cost about as much as the
    rest of a bare request (bench/bare_request.py)."""
    merge = structlog.contextvars.merge_contextvars
    timestamp = _utc_timestamp()

    def write(method: str, path: str, status: int, seconds: float, client: Any) -> None:
        line = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client,
            "event": "http.request",
        }
        merge(None, "info", line)
        line["level"] = "info"
        line["timestamp"] = timestamp()
        for processor in processors:
            line = processor(None, "info", line)
        out = sys.stdout
        out.write(_json.encode(line).decode() + "\n")
        out.flush()

    return write


def _utc_timestamp() -> Callable[[], str]:
    """ISO 8601 in UTC with microseconds, like structlog's TimeStamper(fmt="iso", utc=True),
    formatting the date and time only once a second."""
    last_second = -1
    prefix = ""

    def timestamp() -> str:
        nonlocal last_second, prefix
        now = time.time()
        second = int(now)
        if second != last_second:
            last_second = second
            prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{prefix}.{int((now - second) * 1_000_000):06d}Z"

    return timestamp
