"""The soak's stack and its probes (bench/soak.py): the private NATS with its monitoring endpoint,
`portico serve` with its log in a file, and what the processes hold (RSS, connections)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from tests.e2e.conftest import PORTICO
from tests.support.nats import PrivateNats
from tests.support.servers import free_port

from bench.engines import process_tree

# -- what the processes hold --------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])  # KiB
    return total / 1024


async def postgres_connections(url: str) -> int:
    target = make_url(url)
    engine = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db"),
                {"db": target.database},
            )
    finally:
        await engine.dispose()
    return int(count or 0)


def redis_connections(url: str) -> int:
    probe = Redis.from_url(url)
    try:
        probe.client_setname("soak-probe")
        return sum(1 for client in probe.client_list() if client.get("name") != "soak-probe")
    finally:
        probe.close()


def nats_connections(monitor: str) -> int:
    return int(httpx.get(f"{monitor}/connz", timeout=5).json()["num_connections"])


# -- the stack ----------------------------------------------------------------------------------


class MonitoredNats(PrivateNats):
    """The private nats-server, with its HTTP monitoring endpoint (for /connz)."""

    def __init__(self, store: Path) -> None:
        super().__init__(store)
        self.monitor_port = free_port()
        self.monitor = f"http://127.0.0.1:{self.monitor_port}"

    def start(self) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        listen = ["-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor_port)]
        self.process = subprocess.Popen(
            [binary, *listen, "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        # One client for every poll: httpx.get makes one, TLS context and all (~24 ms), a call.
        with httpx.Client(timeout=0.5) as probe:
            while True:
                try:
                    probe.get(f"{self.monitor}/healthz").raise_for_status()
                    return
                except httpx.HTTPError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise RuntimeError("the private nats-server did not start") from None
                    time.sleep(0.05)


class Server:
    """`portico serve --workers 1`, its JSON log in a file."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / "server.log"
        with self.log.open("w") as log:
            where = ["--host", "127.0.0.1", "--port", str(self.port)]
            self.process = subprocess.Popen(
                [PORTICO, "serve", *where, "--workers", "1"],
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90  # several servers may be starting at once (pytest-xdist)
        with httpx.Client(timeout=1) as probe:  # one client for every poll, as above
            while time.monotonic() < deadline:
                try:
                    if probe.get(f"{self.url}/health/ready").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"portico serve did not become ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for raw in self.log.read_text(errors="replace").splitlines():
            try:
                found.append(json.loads(raw))
            except ValueError:
                found.append({"event": "raw", "text": raw})
        return found


def bad(line: dict[str, Any]) -> bool:
    """A log line that says something went wrong: error level, or a traceback."""
    return line.get("level") in ("error", "critical") or "exception" in line
