"""Progress of long CLI work: a one-line bar on stderr on a terminal; off one, nothing, or, when
the command names a log event, a structured line at every tenth of the way (for log readers)."""

from __future__ import annotations

import sys
from typing import TextIO

import structlog

WIDTH = 30
_log = structlog.get_logger("portico.cli")


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, *, log_event: str | None = None) -> None:
        self._stream = stream or sys.stderr
        self._shown = self._stream.isatty()
        self._log_event = None if self._shown else log_event
        self._label, self._total, self._done, self._drawn = "", 0, 0, -1

    def start(self, label: str, total: int) -> None:
        self.finish()
        self._label, self._total, self._done, self._drawn = label, total, 0, -1
        self._draw()

    def advance(self, done: int = 1) -> None:
        self._done += done
        self._draw()

    def show(self, done: int, total: int) -> None:
        """Where the work is, as (done, total): for work that reports absolute figures."""
        self._done, self._total = done, total
        self._draw()

    def finish(self) -> None:
        """End the current bar's line (if one is drawn)."""
        if self._shown and self._drawn >= 0:
            self._stream.write("\n")
            self._stream.flush()
        self._drawn = -1

    def _draw(self) -> None:
        if self._total <= 0 or not (self._shown or self._log_event):
            return
        percent = 100 * self._done // self._total
        if self._log_event is not None:
            if percent // 10 > self._drawn // 10 or (percent == 100 and self._drawn < 100):
                self._drawn = percent
                _log.info(self._log_event, label=self._label, done=self._done, of=self._total)
            return
        if percent == self._drawn:  # redraw only when it shows something new
            return
        self._drawn = percent
        filled = min(WIDTH, WIDTH * self._done // self._total)
        bar = "#" * filled + "." * (WIDTH - filled)
        self._stream.write(f"\r{self._label:<10} [{bar}] {self._done}/{self._total}")
        self._stream.flush()
