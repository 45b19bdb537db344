"""Log lines go to the stdout of the moment: one replaced and closed later breaks nothing."""

import io
import logging
import sys

import pytest
import structlog

from entrypoints.logs import configure_logging
from entrypoints.settings import load_settings


def test_lines_follow_stdout_after_the_one_seen_at_configuration_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = load_settings(
        {"PORTICO_ENVIRONMENT": "test", "PORTICO_LOG_FORMAT": "json"}, env_file=None
    )
    first = io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    configure_logging(settings)
    first.close()  # what pytest does to a capture when its test ends

    second = io.StringIO()
    monkeypatch.setattr(sys, "stdout", second)
    structlog.get_logger("ours").info("ours-after-close")
    logging.getLogger("library").warning("library-after-close")

    written = second.getvalue()
    assert "ours-after-close" in written
    assert "library-after-close" in written
