"""A database server of our own for fault tests: its own data directory, port and socket.

The shared servers are never touched: a subclass initialises a data directory in a temporary
folder owned by the server's OS user, starts the server there, and this base stops only that
process, by its pid, and removes the folder afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from tests.support.servers import ON_CI, START_PATIENCE

S = TypeVar("S", bound="PrivateServer")


def unavailable(message: str) -> None:
    """Without what a private server needs: fail on CI, skip elsewhere."""
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


class PrivateServer(ABC):
    name: str  # in messages: "postgres", "mariadbd"
    os_user: str  # the server runs as this OS user
    stop_signal: signal.Signals  # its fast, clean shutdown

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.root: Path | None = None

    @abstractmethod
    def init(self) -> None:
        """Find the binaries and initialise a data directory under `make_root()`."""

    @abstractmethod
    def start(self) -> None:
        """Start the server in `self.process`, then `wait_until_ready()`."""

    @abstractmethod
    def accepts(self) -> bool:
        """Whether the server answers clients now."""

    def make_root(self, prefix: str) -> Path:
        try:
            user = pwd.getpwnam(self.os_user)
        except KeyError:
            unavailable(f"there is no {self.os_user!r} OS user to run a private {self.name} as")
        if os.geteuid() not in (0, user.pw_uid):
            unavailable(f"a private {self.name} needs to run as root or {self.os_user!r}")
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        os.chown(self.root, user.pw_uid, user.pw_gid)
        return self.root

    def wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_PATIENCE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private {self.name} exited: {self.log_tail()}")
            if self.accepts():
                return
            time.sleep(0.05)
        raise RuntimeError(f"private {self.name} did not accept connections on {self.port}")

    def stop(self) -> None:
        """Shut our own server down, by pid: every session is cut, nothing lingers."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, self.stop_signal)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log_tail(self) -> str:
        if self.root is None:
            return ""
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def remove(self) -> None:
        self.stop()
        if self.root is not None:
            for _ in range(3):  # a server's last files may still be closing
                shutil.rmtree(self.root, ignore_errors=True)
                if not self.root.exists():
                    break
                time.sleep(0.1)
            self.root = None


@contextmanager
def running(server: S) -> Iterator[S]:
    """The server initialised and started; stopped and removed afterwards, whatever happens."""
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
