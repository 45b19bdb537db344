"""The access line's own writer renders what structlog's chain renders, at a fraction of it."""

import io
import json
import re
import sys
from datetime import UTC, datetime

import pytest
import structlog

from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, load_settings

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def _settings(**env: str) -> Settings:
    return load_settings({"PORTICO_ENVIRONMENT": "test", **env}, env_file=None)


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_json_line_has_the_chains_keys_in_its_order_and_the_bound_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    access = configure_logging(_settings(PORTICO_LOG_FORMAT="json"))
    assert access is not None
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id="req-1", trace_id="ab" * 16)

    access("GET", "/health/live", 200, 0.001234, "10.0.0.7")
    structlog.get_logger("portico.access").info(
        "http.request",
        method="GET",
        path="/health/live",
        status=200,
        duration_ms=1.23,
        client="10.0.0.7",
    )
    structlog.contextvars.clear_contextvars()

    ours, chain = _lines(out)
    assert list(ours) == list(chain)
    assert {**ours, "timestamp": None} == {**chain, "timestamp": None}
    assert ours["request_id"] == "req-1"
    assert ours["duration_ms"] == 1.23
    assert isinstance(ours["timestamp"], str)
    assert ISO_UTC.fullmatch(ours["timestamp"])
    written = datetime.fromisoformat(ours["timestamp"])
    assert abs((datetime.now(UTC) - written).total_seconds()) < 5


def test_each_line_is_written_whole_and_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[str] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

    monkeypatch.setattr(sys, "stdout", Recorder())
    access = configure_logging(_settings(PORTICO_LOG_FORMAT="json"))
    assert access is not None

    access("POST", "/api/v1/products", 201, 0.5, None)

    assert len(writes) == 1
    assert writes[0].endswith("}\n")
    assert json.loads(writes[0])["client"] is None


def test_no_writer_when_the_access_log_is_off_or_below_the_level() -> None:
    off = _settings(PORTICO_LOG_FORMAT="json", PORTICO_ACCESS_LOG="false")
    quiet = _settings(PORTICO_LOG_FORMAT="json", PORTICO_LOG_LEVEL="WARNING")

    assert configure_logging(off) is None
    assert configure_logging(quiet) is None


def test_the_console_format_goes_through_structlog(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    access = configure_logging(_settings(PORTICO_LOG_FORMAT="console"))
    assert access is not None

    access("GET", "/health/live", 204, 0.0, "127.0.0.1")

    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # without the colours
    assert "http.request" in plain
    assert "status=204" in plain
