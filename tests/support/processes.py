"""`portico serve` as a process the test owns: on a port of its choosing (so a balancer can name
it), started, awaited, killed with SIGKILL and started again on the same port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import PORTICO
from tests.support.servers import free_port


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant (Linux: parents read from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # "pid (name) state ppid ...": the name may hold spaces, so split after ")".
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    doomed, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        doomed += frontier
    for victim in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


class ApiProcess:
    """`portico serve --workers 1` on its own loopback port, its output in `<name>.log`."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.env = env
        self.cwd = cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ApiProcess:
        """Start it, without waiting (`wait_ready` waits)."""
        with self.log.open("ab") as log:
            where = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
            self.process = subprocess.Popen(
                [PORTICO, "serve", *where],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, timeout: float = 300) -> None:
        assert self.process is not None
        deadline, last = time.monotonic() + timeout, "no answer"
        # One client for every poll (httpx.get makes one, TLS context and all, per call).
        with httpx.Client(timeout=2) as probe:
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
                with contextlib.suppress(httpx.TransportError):
                    answer = probe.get(f"{self.url}/health/ready")
                    if answer.status_code == 200:
                        return
                    last = f"{answer.status_code} {answer.text[:500]}"
                if time.monotonic() > deadline:
                    log = self.log.read_text()[-3000:]
                    raise AssertionError(f"{self.name} not ready ({last}): {log}")
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, the granian worker included: nothing is finished, nothing is closed."""
        assert self.process is not None
        kill_tree(self.process.pid)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill_tree(self.process.pid)
            self.process.wait()
