"""A private PostgreSQL server for fault tests: its own data directory, port and socket.

The shared server is never touched: the test runs `initdb` and `postgres` as the `postgres` OS
user in a temporary directory of its own, stops only that postmaster, by its pid, and removes the
directory afterwards.
"""

from __future__ import annotations

import glob
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

OS_USER = "postgres"


def _unavailable(message: str) -> None:
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return Path(found[-1]).parent
    postgres = shutil.which("postgres")
    return Path(postgres).parent if postgres else None


class PrivatePostgres:
    """A postgres of our own on loopback, fsync off, trusting local connections."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
        self.process: subprocess.Popen[bytes] | None = None
        self.root: Path | None = None
        self._bin: Path | None = None

    def _as_postgres(self) -> dict[str, object]:
        user = pwd.getpwnam(OS_USER)
        if os.geteuid() == user.pw_uid:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def init(self) -> None:
        self._bin = _binaries()
        if self._bin is None:
            _unavailable(
                "PostgreSQL server binaries are not installed (apt-get install postgresql)"
            )
        try:
            user = pwd.getpwnam(OS_USER)
        except KeyError:
            _unavailable(f"there is no {OS_USER!r} OS user to run a private PostgreSQL as")
        if os.geteuid() not in (0, user.pw_uid):
            _unavailable(f"a private PostgreSQL needs to run as root or {OS_USER!r}")
        self.root = Path(tempfile.mkdtemp(prefix="portico-pg-"))
        os.chown(self.root, user.pw_uid, user.pw_gid)
        assert self._bin is not None
        subprocess.run(
            [
                str(self._bin / "initdb"),
                "-D",
                str(self.root / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.root,
            timeout=120,
            **self._as_postgres(),  # type: ignore[arg-type]
        )

    def start(self) -> None:
        assert self._bin is not None
        assert self.root is not None
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - the server writes to it
        self.process = subprocess.Popen(
            [
                str(self._bin / "postgres"),
                "-D",
                str(self.root / "data"),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "synchronous_commit=off",
            ],
            stdout=log,
            stderr=log,
            cwd=self.root,
            **self._as_postgres(),  # type: ignore[arg-type]
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private postgres exited: {self.log_tail()}")
            if self._accepts():
                return
            time.sleep(0.05)
        raise RuntimeError(f"private postgres did not accept connections on {self.port}")

    def _accepts(self) -> bool:
        assert self._bin is not None
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                pass
        except OSError:
            return False
        ready = subprocess.run(
            [str(self._bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        )
        return ready.returncode == 0

    def stop(self) -> None:
        """Fast shutdown of our own postmaster, by pid: every session is cut, nothing lingers."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
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
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
