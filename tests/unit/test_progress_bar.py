"""The seed's progress bar: drawn on a terminal, silent anywhere else."""

from __future__ import annotations

import io

import pytest
import structlog

from entrypoints.cli import progress
from entrypoints.cli.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_it_redraws_one_line_per_phase_and_ends_it() -> None:
    screen = Terminal()
    bar = ProgressBar(screen)
    bar.start("users", 4)
    for _ in range(4):
        bar.advance()
    bar.start("orders", 2)
    bar.advance(2)
    bar.finish()
    lines = screen.getvalue().split("\n")
    assert lines[0].split("\r")[-1] == "users      [" + "#" * 30 + "] 4/4"
    assert lines[0].count("\r") == 5  # 0, 1, 2, 3 and 4 of 4
    assert lines[1].split("\r")[-1] == "orders     [" + "#" * 30 + "] 2/2"
    assert lines[2] == ""


def test_it_draws_only_when_the_percentage_moves() -> None:
    screen = Terminal()
    bar = ProgressBar(screen)
    bar.start("products", 1000)
    bar.advance(1)
    bar.advance(1)  # still 0 %
    bar.advance(8)  # 1 %
    assert screen.getvalue().count("\r") == 2


def test_elsewhere_it_writes_nothing() -> None:
    pipe = io.StringIO()
    bar = ProgressBar(pipe)
    bar.start("users", 3)
    bar.advance(3)
    bar.finish()
    assert pipe.getvalue() == ""


def test_off_a_terminal_a_named_event_logs_every_tenth_of_the_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its own logger: an earlier test's configuration may filter out info lines.
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(None, processors=[capture], wrapper_class=structlog.BoundLogger)
    monkeypatch.setattr(progress, "_log", logger)
    bar = ProgressBar(io.StringIO(), log_event="projections.rebuild_progress")
    bar.start("order_details", 0)
    for done in range(0, 1001, 50):
        bar.show(done, 1000)
    bar.finish()
    logged = capture.entries
    assert [line["done"] for line in logged] == [
        0,
        100,
        200,
        300,
        400,
        500,
        600,
        700,
        800,
        900,
        1000,
    ]
    assert {line["event"] for line in logged} == {"projections.rebuild_progress"}
    assert logged[-1]["label"] == "order_details"
