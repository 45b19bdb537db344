"""Real servers for the tests: where they are, and what to do when one cannot be reached.

With CI=true an unreachable server fails the test; elsewhere the test is skipped with a message
saying how to enable it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import tempfile
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy.engine import make_url

# Under pytest-xdist each worker (gw0, gw1, ...) has databases of its own, named after it, so
# workers never empty or migrate each other's tables; the tests create them when missing.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own(url: str) -> str:
    if not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


# [adapter:postgresql begin]
POSTGRES_URL = _own(
    os.environ.get(
        "PORTICO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/portico_test"
    )
)
# [adapter:postgresql end]
# [adapter:mariadb begin]
MARIADB_URL = _own(
    os.environ.get("PORTICO_TEST_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/portico_test")
)
# [adapter:mariadb end]
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# Seconds a private server (redis-server, nats-server, HAProxy, PostgreSQL, MariaDB) may take to
# start listening: a bound against hanging, never a measure. A loaded CI machine (load 15 on two
# cores) takes several times a quiet one's second; a server that exits is reported at once anyway.
START_PATIENCE = 120.0
# Seconds a test's own client waits for an answer that is meant to come in time (a server's
# reply, a connect on loopback): a bound against hanging, never a measure. Short ones (0.3-2 s)
# ran out at load 15 and made a healthy server look like a failing one; a stopped server still
# refuses at once, so an outage test takes no longer. A test of a timeout sets its own.
PATIENCE = 30.0


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_server(url: str, env_var: str) -> str:
    """The URL if its server answers on TCP; otherwise fail (CI) or skip with how to enable it."""
    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or 0
    if not reachable(host, port):
        message = (
            f"{parsed.get_backend_name()} is not reachable at {host}:{port}; start it "
            f"(see ../shared/services.md) or point {env_var} at one"
        )
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


# The SQL servers by engine: where each is, and the variable that points it elsewhere.
SQL_SERVERS = {
    "postgresql": (POSTGRES_URL, "PORTICO_TEST_POSTGRES_URL"),  # [adapter:postgresql]
    "mariadb": (MARIADB_URL, "PORTICO_TEST_MARIADB_URL"),  # [adapter:mariadb]
}


def require_sql_server(engine: str) -> str:
    """The URL of the `engine` test server (a key of SQL_SERVERS), as require_server."""
    return require_server(*SQL_SERVERS[engine])


# The ports free_port handed out, each reserved by a lock on a file named after it for the rest
# of the process: the kernel offers a port it just let go of to the next bind(0), so another
# xdist worker (or another suite on the machine) could start its server on the port this one
# was about to use, or answer where a test expects nobody. Locks end with their process.
_RESERVED = Path(tempfile.gettempdir()) / f"portico-ports-{os.getuid()}"
_reservations: list[IO[bytes]] = []


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now and that no other living test
    process got from free_port."""
    _RESERVED.mkdir(exist_ok=True)
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
            lock = (_RESERVED / str(port)).open("ab")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # handed out by another process (or this one) already
                lock.close()
                continue
            _reservations.append(lock)
            return port
