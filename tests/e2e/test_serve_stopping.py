"""SIGTERM to `portico serve --workers 2` at several points of its start-up, sent to the process
alone as Kubernetes and Docker send it: the whole process group ends, with exit code 0
(docs/deployment.md, "Stopping the API"). Before entrypoints/cli/stopping.py, a SIGTERM while
granian's workers imported the app left the supervisor waiting for them without end; before
PORTICO_STOP_TIMEOUT, a request that never ended did the same."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import PATIENCE, PORTICO, portico_env, sqlite_copy
from tests.support.servers import free_port

DEADLINE = 90  # generous: a loaded machine starts a worker in seconds, not minutes
CHECK = "entrypoints.cli.startup"  # the start-up check's child (serve.py)


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    return []


def _is_check(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return CHECK in Path(f"/proc/{pid}/cmdline").read_text()
    return False


def _group(pgid: int) -> list[int]:
    """The live processes of process group `pgid`: any of whose threads is not a zombie. A
    killed process's first thread is a zombie at once, while the others may still be exiting and
    holding its files, the listening socket among them (seen under load)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            group = _fields(stat)[2]
            if int(group) == pgid and any(
                _running(task) for task in stat.parent.glob("task/*/stat")
            ):
                members.append(int(stat.parent.name))
    return members


def _running(task: Path) -> bool:
    try:
        return _fields(task)[0] != "Z"
    except OSError:  # gone since the listing
        return False


def _fields(stat: Path) -> list[str]:
    """State, ppid, pgrp...: "pid (name) state ppid pgrp ...", whose name may hold spaces."""
    return stat.read_text().rsplit(")", 1)[1].split()


def _checking(pid: int, http: httpx.Client) -> bool:
    return any(_is_check(child) for child in _children(pid))


def _workers_starting(pid: int, http: httpx.Client) -> bool:
    """granian has forked both workers; they import and build the app for a while."""
    return len([child for child in _children(pid) if not _is_check(child)]) == 2


def _serving(pid: int, http: httpx.Client) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return http.get("/health/live").status_code == 200
    return False


@contextlib.contextmanager
def _serving_until(
    reached: Callable[[int, httpx.Client], bool],
    sqlite_migrated: Path,
    tmp_path: Path,
    *,
    workers: int = 2,
    **settings: str,
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`portico serve --workers workers` in a process group of its own, once `reached`; yields
    it, its port and its log, and kills what is left of the group at the end."""
    env = portico_env(database_url=sqlite_copy(sqlite_migrated, tmp_path), cache="none", **settings)
    port = free_port()
    where = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [PORTICO, "serve", *where],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, whose end the test watches
        )
    try:
        deadline = time.monotonic() + DEADLINE
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=1) as http:
            while not reached(process.pid, http):
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, (
                    f"never {reached.__name__}: {log.read_text()[-3000:]}"
                )
                time.sleep(0.01)  # the windows are hundreds of milliseconds wide
        yield process, port, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _assert_group_ends(process: subprocess.Popen[bytes], log: Path) -> None:
    """The process group of `process` ends (with patience): `process` may be a zombie."""
    deadline = time.monotonic() + DEADLINE
    while _group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _group(process.pid)
    assert not left, f"still running: {left}\n{log.read_text()[-3000:]}"


@pytest.mark.parametrize(
    "reached", [_checking, _workers_starting, _serving], ids=lambda f: f.__name__
)
def test_sigterm_at_any_point_of_the_start_up_ends_the_process_group(
    reached: Callable[[int, httpx.Client], bool], sqlite_migrated: Path, tmp_path: Path
) -> None:
    with _serving_until(reached, sqlite_migrated, tmp_path) as (process, _, log):
        process.send_signal(signal.SIGTERM)
        _assert_group_ends(process, log)
        assert process.wait() == 0, log.read_text()[-3000:]


def _request_in_flight(port: int) -> socket.socket:
    """A connection whose request the app is reading and never ends: a client that stops
    sending the body it announced. `Expect: 100-continue` makes the server say when the app
    starts reading the body, so the request is in the app, not in a queue, when this returns."""
    client = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    client.sendall(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: portico\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    answer = b""
    while not answer.endswith(b"\r\n\r\n"):
        received = client.recv(1024)
        assert received, f"closed after {answer!r}"
        answer += received
    assert answer.startswith(b"HTTP/1.1 100 "), answer
    client.sendall(b'{"email": "')  # and no more
    return client


@pytest.mark.parametrize(
    ("workers", "abandoned"),
    [(1, "serve.stop_timed_out"), (2, "refused to gracefully stop")],
    ids=["in-this-process", "supervised"],
)
def test_a_request_that_never_ends_is_abandoned_after_the_stop_timeout(
    workers: int, abandoned: str, sqlite_migrated: Path, tmp_path: Path
) -> None:
    """granian waits for requests in flight without end unless told otherwise: before
    PORTICO_STOP_TIMEOUT, this process group ran until the orchestrator's SIGKILL."""
    with _serving_until(_serving, sqlite_migrated, tmp_path, workers=workers, stop_timeout="1") as (
        process,
        port,
        log,
    ):
        with _request_in_flight(port):
            process.send_signal(signal.SIGTERM)
            _assert_group_ends(process, log)
        assert process.wait() == 0, log.read_text()[-3000:]
        assert abandoned in log.read_text()


def test_the_workers_end_when_the_supervisor_is_killed(
    sqlite_migrated: Path, tmp_path: Path
) -> None:
    """SIGKILL leaves the supervisor no time to stop its workers: before parent_death.py they
    went on running, serving the port, until someone killed them too."""
    with _serving_until(_serving, sqlite_migrated, tmp_path) as (process, port, log):
        assert len(_children(process.pid)) == 2
        process.kill()
        _assert_group_ends(process, log)  # the workers: the supervisor is a zombie till waited
        with pytest.raises(ConnectionRefusedError):  # nothing holds the port any more
            socket.create_connection(("127.0.0.1", port), timeout=PATIENCE).close()
