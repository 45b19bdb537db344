"""A private PostgreSQL server for fault tests: its own data directory, port and socket.

`initdb` and `postgres` as the `postgres` OS user in a temporary directory of its own
(tests/support/private_server.py).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

from tests.support.private_server import PrivateServer, running, unavailable
from tests.support.servers import free_port

OS_USER = "postgres"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return Path(found[-1]).parent
    postgres = shutil.which("postgres")
    return Path(postgres).parent if postgres else None


class PrivatePostgres(PrivateServer):
    """A postgres of our own on loopback, fsync off, trusting local connections."""

    name, os_user, stop_signal = "postgres", OS_USER, signal.SIGINT  # SIGINT: fast shutdown

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
        self._bin: Path | None = None

    def _as_postgres(self) -> dict[str, object]:
        user = pwd.getpwnam(OS_USER)
        if os.geteuid() == user.pw_uid:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def init(self) -> None:
        self._bin = _binaries()
        if self._bin is None:
            unavailable("PostgreSQL server binaries are not installed (apt-get install postgresql)")
        self.make_root("portico-pg-")
        assert self.root is not None
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
        self.wait_until_ready()

    def accepts(self) -> bool:
        assert self._bin is not None
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        ready = subprocess.run(
            [str(self._bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        )
        return ready.returncode == 0


def private_postgres() -> AbstractContextManager[PrivatePostgres]:
    return running(PrivatePostgres(free_port()))


class PrivatePostgresReplica(PrivatePostgres):
    """A streaming replica of a private primary: `pg_basebackup -R` into a folder of its own,
    then a second postgres on its own port, replaying the primary's WAL as it comes."""

    name = "postgres replica"

    def __init__(self, port: int, primary: PrivatePostgres) -> None:
        super().__init__(port)
        self.primary = primary

    def init(self) -> None:
        self._bin = _binaries()
        if self._bin is None:
            unavailable("PostgreSQL server binaries are not installed (apt-get install postgresql)")
        self.make_root("portico-pg-replica-")
        assert self.root is not None
        subprocess.run(
            [
                str(self._bin / "pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
                *("-D", str(self.root / "data"), "-R", "-X", "stream", "--no-sync"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.root,
            timeout=120,
            **self._as_postgres(),  # type: ignore[arg-type]
        )


def private_replica(primary: PrivatePostgres) -> AbstractContextManager[PrivatePostgresReplica]:
    return running(PrivatePostgresReplica(free_port(), primary))
