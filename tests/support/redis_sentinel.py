"""A Redis Sentinel group of our own for the tests: a master, a replica and three sentinels, each
a redis-server on a free loopback port with its files in a folder of the test's. Stopped by pid.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

from tests.support.servers import ON_CI, PATIENCE, free_port, reachable

SERVICE = "portico"
# Seconds a state (a failover, a replica in sync) may take to come; a command waits PATIENCE:
# bounds against hanging, not measures (1 s and 20 s could run out at load 15).
SETTLING = 60.0


def _binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return binary


class SentinelGroup:
    def __init__(self, folder: Path, sentinels: int = 3) -> None:
        self.folder = folder
        self.binary = _binary()
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> None:
        self._server(self.master_port)
        self._server(self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        quorum = len(self.sentinel_ports) // 2 + 1
        for port in self.sentinel_ports:
            config = self.folder / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} {quorum}\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 4000\n"
            )
            self._spawn(port, [str(config), "--sentinel"])
        self._until(self._settled, "the replica in sync and known to every sentinel")

    def _server(self, port: int, *extra: str) -> None:
        arguments = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir"]
        self._spawn(port, [*arguments, str(self.folder), "--appendonly", "no", *extra])

    def _spawn(self, port: int, arguments: list[str]) -> None:
        self.processes[port] = subprocess.Popen(
            [self.binary, *arguments, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._until(lambda: reachable("127.0.0.1", port, timeout=0.2), f"redis on {port}")

    def _settled(self) -> bool:
        if self.role(self.replica_port) != "slave":
            return False
        for port in self.sentinel_ports:
            with Redis(port=port, socket_timeout=PATIENCE) as sentinel:
                replicas = sentinel.execute_command("SENTINEL", "REPLICAS", SERVICE)
                if not replicas:
                    return False
        with Redis(port=self.replica_port, socket_timeout=PATIENCE) as replica:
            return replica.info("replication").get("master_link_status") == "up"

    def master(self) -> int:
        """The master's port, as the first sentinel sees it."""
        with Redis(port=self.sentinel_ports[0], socket_timeout=PATIENCE) as sentinel:
            _, port = sentinel.sentinel_get_master_addr_by_name(SERVICE)
        return int(port)

    def role(self, port: int) -> str:
        with Redis(port=port, socket_timeout=PATIENCE) as server:
            return str(server.info("replication")["role"])

    def failover(self) -> int:
        """SENTINEL FAILOVER; the new master's port once every sentinel names it."""
        before = self.master()
        with Redis(port=self.sentinel_ports[0], socket_timeout=PATIENCE) as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", SERVICE)
        self._until(lambda: self._agreed_master() not in (None, before), "a new master")
        # Until the sentinels demote it, the old master still takes writes (lost when it
        # becomes a replica): the failover is over once it is one.
        self._until(lambda: self.role(before) == "slave", "the old master a replica")
        return self.master()

    def kill(self, port: int) -> None:
        process = self.processes.pop(port)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def _agreed_master(self) -> int | None:
        seen = set()
        for port in self.sentinel_ports:
            with Redis(port=port, socket_timeout=PATIENCE) as sentinel:
                _, master = sentinel.sentinel_get_master_addr_by_name(SERVICE)
                seen.add(int(master))
        return seen.pop() if len(seen) == 1 else None

    def wait_for_master(self, other_than: int) -> int:
        self._until(lambda: self._agreed_master() not in (None, other_than), "a new master")
        return self.master()

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)

    @staticmethod
    def _until(condition: Callable[[], bool], what: str, timeout: float = SETTLING) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while True:
            try:
                if condition():
                    return
            except (OSError, RedisError) as error:
                last = error
            else:
                last = None
            if time.monotonic() > deadline:
                raise TimeoutError(f"not within {timeout}s: {what} ({last})")
            time.sleep(0.05)
