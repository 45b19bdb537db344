"""`portico worker` processes for end-to-end tests: start, read their log lines, stop or kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.support.servers import START_PATIENCE

Line = dict[str, Any]


class WorkerProcess:
    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        self.env = {**os.environ, **env, "PORTICO_LOG_FORMAT": "json"}
        self.cwd = cwd
        self.lines: list[Line] = []
        self.process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> WorkerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli.main", "worker"],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                self.lines.append(json.loads(raw))
            except ValueError:
                self.lines.append({"event": "raw", "text": raw.rstrip()})

    def wait_for(self, event: str, timeout: float = START_PATIENCE) -> Line:
        """The first log line named `event`; raise if the process ends or time runs out. The
        default bounds a hang, never a measure: a loaded CI machine starts a worker many times
        slower than a quiet one."""
        deadline = time.monotonic() + timeout
        while True:
            exited = self.process is not None and self.process.poll() is not None
            if exited and self._reader is not None:
                # Its last lines may still be in the pipe (a loaded machine's reader lags, and
                # 0.2 s was a guess): read up to the end of its output first.
                self._reader.join(timeout)
            for line in list(self.lines):
                if line.get("event") == event:
                    return line
            if exited:
                raise RuntimeError(f"the worker exited before {event!r}: {self.lines[-20:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event!r} line within {timeout}s: {self.lines[-20:]}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit code once the worker stopped on its own."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout}s: {what}")
        time.sleep(0.05)
