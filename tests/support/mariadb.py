"""A private MariaDB server for fault tests: its own data directory, port and socket.

The shared server is never touched: the test runs `mariadb-install-db` and `mariadbd` (which
drops to the `mysql` OS user) in a temporary directory of its own, stops only that mariadbd, by
its pid, and removes the directory afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.servers import ON_CI, free_port

OS_USER = "mysql"


def _unavailable(message: str) -> None:
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


class PrivateMariaDB:
    """A mariadbd of our own on loopback, without grant tables (root, no password)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"mysql+asyncmy://root@127.0.0.1:{port}/portico"
        self.process: subprocess.Popen[bytes] | None = None
        self.root: Path | None = None
        self._server: str | None = None

    def init(self) -> None:
        install = shutil.which("mariadb-install-db")
        self._server = shutil.which("mariadbd") or (
            "/usr/sbin/mariadbd" if Path("/usr/sbin/mariadbd").exists() else None
        )
        if install is None or self._server is None:
            _unavailable(
                "MariaDB server binaries are not installed (apt-get install mariadb-server)"
            )
        try:
            user = pwd.getpwnam(OS_USER)
        except KeyError:
            _unavailable(f"there is no {OS_USER!r} OS user to run a private MariaDB as")
        if os.geteuid() not in (0, user.pw_uid):
            _unavailable(f"a private MariaDB needs to run as root or {OS_USER!r}")
        self.root = Path(tempfile.mkdtemp(prefix="portico-mariadb-"))
        os.chown(self.root, user.pw_uid, user.pw_gid)
        assert install is not None
        subprocess.run(
            [install, f"--datadir={self.root / 'data'}", f"--user={OS_USER}", "--skip-test-db"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.root,
            timeout=120,
        )

    def start(self) -> None:
        assert self._server is not None
        assert self.root is not None
        log = self.root / "server.log"
        self.process = subprocess.Popen(
            [
                self._server,
                "--no-defaults",
                f"--datadir={self.root / 'data'}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.root / 's'}",
                f"--pid-file={self.root / 'mariadbd.pid'}",
                f"--log-error={log}",
                f"--user={OS_USER}",
                "--skip-grant-tables",
                "--skip-name-resolve",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-buffer-pool-size=32M",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.root,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private mariadbd exited: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.settimeout(1.0)
                    if probe.recv(1):  # the server's greeting: it is ready for clients
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"private mariadbd did not accept connections on {self.port}")

    def stop(self) -> None:
        """Shut our own mariadbd down, by pid: every session is cut."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
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
def private_mariadb() -> Iterator[PrivateMariaDB]:
    server = PrivateMariaDB(free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
