"""Structured logging: structlog for ours and the standard library's lines; JSON off a terminal."""

from __future__ import annotations

import logging
import sys
from typing import Any

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


def configure_logging(settings: Settings) -> None:
    as_json = settings.logging.format == "json" or (
        settings.logging.format == "auto" and not sys.stdout.isatty()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if settings.tracing.enabled:
        from entrypoints.otel import add_trace_ids  # the SDK loads only when tracing is on

        shared.append(add_trace_ids)
    if configure_error_tracking(settings):
        shared.append(report_errors)  # before the renderer turns exc_info into text
    renderer: Any
    if as_json:
        # No locals in tracebacks: they may hold passwords and tokens.
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
        renderer = structlog.processors.JSONRenderer(serializer=_serialize)
    else:
        renderer = structlog.dev.ConsoleRenderer()
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
