"""A one-line progress bar on stderr, drawn only on a terminal (logs and pipes get nothing)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._shown = self._stream.isatty()
        self._label, self._total, self._done, self._drawn = "", 0, 0, -1

    def start(self, label: str, total: int) -> None:
        self.finish()
        self._label, self._total, self._done, self._drawn = label, total, 0, -1
        self._draw()

    def advance(self, done: int = 1) -> None:
        self._done += done
        self._draw()

    def finish(self) -> None:
        """End the current bar's line (if one is drawn)."""
        if self._shown and self._drawn >= 0:
            self._stream.write("\n")
            self._stream.flush()
        self._drawn = -1

    def _draw(self) -> None:
        if not self._shown or self._total <= 0:
            return
        filled = min(WIDTH, WIDTH * self._done // self._total)
        percent = 100 * self._done // self._total
        if percent == self._drawn:  # redraw only when it shows something new
            return
        self._drawn = percent
        bar = "#" * filled + "." * (WIDTH - filled)
        self._stream.write(f"\r{self._label:<10} [{bar}] {self._done}/{self._total}")
        self._stream.flush()
