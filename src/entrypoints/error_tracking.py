"""Errors to a tracker: Sentry, on when PORTICO_SENTRY_DSN is set (off by default).

What reaches it is what we log as an error: a structlog processor forwards every `error` or
`exception` line (an unhandled HTTP error, a consumer's failed event, a worker's crash) with its
traceback and the request id, so there is one place that decides what is reported. Sentry's
framework integrations stay off: they would read requests, and requests carry passwords, tokens
and Authorization headers. Whatever is sent passes `scrub` first, and frames carry no locals.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from entrypoints.settings import Settings

_SECRET_KEY = re.compile(r"pass|secret|token|authori[sz]ation|cookie|api[-_]?key|signature", re.I)
_REDACTED = "[redacted]"
_LEVELS = {"error", "exception", "critical"}


def configure_error_tracking(settings: Settings) -> bool:
    """Start the Sentry client when a DSN is set; True when errors are reported."""
    dsn = settings.logging.sentry_dsn
    if not dsn:
        return False
    import sentry_sdk  # only when on: a process without a DSN never loads the SDK

    from entrypoints import __version__

    sentry_sdk.init(
        dsn=dsn,
        environment=settings.environment,
        release=f"portico@{__version__}",
        # Nothing about users, cookies, headers, bodies, queries or frames' variables.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        auto_enabling_integrations=False,
        before_send=scrub,
        before_breadcrumb=lambda crumb, hint: scrub(crumb, hint),
    )
    return True


def report_errors(_: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: send error lines to the tracker (before the renderer takes exc_info)."""
    if method not in _LEVELS:
        return event
    exc_info = event.get("exc_info")
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, tuple) and exc_info[0] is None:
        exc_info = None  # logged as an error with no exception in hand
    fields = {k: v for k, v in event.items() if k not in ("exc_info", "event")}
    import sentry_sdk  # loaded by configure_error_tracking, which installs this processor

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("log_event", str(event.get("event")))
        if request_id := event.get("request_id"):
            scope.set_tag("request_id", str(request_id))
        scope.set_context("log", {k: str(v) for k, v in fields.items()})
        if exc_info:
            sentry_sdk.capture_exception(exc_info)
        else:
            sentry_sdk.capture_message(str(event.get("event")), level="error")
    return event


def scrub(payload: Any, _hint: Any = None) -> Any:
    """Replace the value of every key that names a secret, at any depth."""
    if isinstance(payload, dict):
        return {
            key: _REDACTED if isinstance(key, str) and _SECRET_KEY.search(key) else scrub(value)
            for key, value in payload.items()
        }
    if isinstance(payload, list):
        return [scrub(item) for item in payload]
    return payload
