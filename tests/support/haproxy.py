"""A private HAProxy for the tests: the system's `haproxy` binary (the Debian package; `.ci/run`
installs it), run in the foreground on a free loopback port, stopped by its pid. The package's
own service, if it runs, is left alone.

Its configuration is rendered from deploy/haproxy/haproxy.cfg, so what the tests prove is the
shipped policy (timeouts, retries, redispatch, forwarding headers, health checks): the `global`,
`defaults`, `frontend http` and `backend api` sections are kept as written, and only what names
Docker is replaced: the listening address, and the DNS-discovered replicas by fixed servers.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import pytest

from tests.support.servers import ON_CI, START_PATIENCE, free_port, reachable

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "haproxy" / "haproxy.cfg"
KEPT = ("global", "defaults", "frontend http", "backend api")


def require_haproxy() -> None:
    if not Path(HAPROXY).exists():
        message = "haproxy is not installed: apt-get install haproxy (.ci/run does)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)


def sections(text: str) -> dict[str, list[str]]:
    """The configuration's sections by header ("backend api"), each with its body's lines."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = found.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line.strip())
    return found


def render(port: int, servers: dict[str, int], stats_socket: Path) -> str:
    """The shipped configuration, listening on 127.0.0.1:`port`, balancing over `servers`
    (name -> loopback port)."""
    shipped = sections(SHIPPED.read_text())
    missing = [name for name in KEPT if name not in shipped]
    assert not missing, f"{SHIPPED} lost its {missing} sections"
    out: list[str] = []
    for name in KEPT:
        out.append(name)
        for line in shipped[name]:
            word = line.split()[0]
            if word == "bind":
                line = f"bind 127.0.0.1:{port}"
            elif word == "server-template":
                continue
            elif word == "default-server":  # without Docker's DNS: fixed addresses
                line = line.replace("resolvers docker", "").replace("init-addr none", "")
            out.append(f"    {line}")
        if name == "global":
            out.append(f"    stats socket {stats_socket} mode 600 level admin")
        if name == "backend api":
            out += [f"    server {server} 127.0.0.1:{at}" for server, at in servers.items()]
    return "\n".join(out) + "\n"


class PrivateHaproxy:
    def __init__(self, folder: Path, servers: dict[str, int]) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.socket = folder / "haproxy.sock"
        self.config = folder / "haproxy.cfg"
        self.log = folder / "haproxy.log"
        self._servers = servers
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PrivateHaproxy:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config.write_text(render(self.port, self._servers, self.socket))
        checked = subprocess.run(
            [HAPROXY, "-c", "-q", "-f", str(self.config)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with self.log.open("wb") as log:
            # -db: foreground, no daemon; its pid is ours to stop.
            self._process = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_PATIENCE
        while not (reachable("127.0.0.1", self.port, 0.2) and self.socket.exists()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise AssertionError(self.log.read_text()[-2000:])
            time.sleep(0.05)
        return self

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` of the backend's servers: server name -> column -> value."""
        with socket.socket(socket.AF_UNIX) as stats:
            stats.settimeout(30)  # patience: a loaded HAProxy answers late, not never
            stats.connect(str(self.socket))
            stats.sendall(b"show stat\n")
            raw = b""
            while chunk := stats.recv(65536):
                raw += chunk
        header, *rows = raw.decode().strip().splitlines()
        columns = header.lstrip("# ").split(",")
        found = {}
        for row in rows:
            values = dict(zip(columns, row.split(","), strict=False))
            if values.get("pxname") == "api":
                found[values["svname"]] = values
        return found

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGUSR1)  # soft stop: finish what is in flight
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
