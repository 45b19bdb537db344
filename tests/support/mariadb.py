"""A private MariaDB server for fault tests: its own data directory, port and socket.

`mariadb-install-db` and `mariadbd` (which drops to the `mysql` OS user) in a temporary directory
of its own (tests/support/private_server.py).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

from tests.support.private_server import PrivateServer, running, unavailable
from tests.support.servers import free_port

OS_USER = "mysql"


class PrivateMariaDB(PrivateServer):
    """A mariadbd of our own on loopback, without grant tables (root, no password)."""

    name, os_user, stop_signal = "mariadbd", OS_USER, signal.SIGTERM

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.url = f"mysql+asyncmy://root@127.0.0.1:{port}/portico"
        self._server: str | None = None

    def init(self) -> None:
        install = shutil.which("mariadb-install-db")
        self._server = shutil.which("mariadbd") or (
            "/usr/sbin/mariadbd" if Path("/usr/sbin/mariadbd").exists() else None
        )
        if install is None or self._server is None:
            unavailable(
                "MariaDB server binaries are not installed (apt-get install mariadb-server)"
            )
        self.make_root("portico-mariadb-")
        assert self.root is not None
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
        self.wait_until_ready()

    def accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                probe.settimeout(1.0)
                return bool(probe.recv(1))  # the server's greeting: it is ready for clients
        except OSError:
            return False


def private_mariadb() -> AbstractContextManager[PrivateMariaDB]:
    return running(PrivateMariaDB(free_port()))
