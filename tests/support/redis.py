"""Redis for the tests: a unique key prefix per test on the shared server, or a private server.

The shared server (PORTICO_TEST_REDIS_URL) is never flushed: each test writes under its own
prefix and deletes only that prefix. Fault tests start their own redis-server on a free port and
stop only that process, by its pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from redis.asyncio import Redis

from tests.support.servers import ON_CI, START_PATIENCE, free_port
from tests.support.servers import PATIENCE as PATIENCE  # its tests' Redis clients wait this

REDIS_URL = os.environ.get("PORTICO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unique_prefix() -> str:
    return f"portico-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"


async def delete_prefix(client: Redis, prefix: str) -> None:
    async for name in client.scan_iter(match=f"{prefix}:*", count=500):
        await client.delete(name)


class PrivateRedis:
    """A redis-server of our own on loopback, keeping nothing on disk."""

    def __init__(self, port: int, *options: str) -> None:
        """`options` follow the defaults and win over them (`--appendonly yes --dir /tmp/x`)."""
        self.port = port
        self.options = options
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed (apt-get install redis-server)"
            if ON_CI:
                pytest.fail(message)
            pytest.skip(message)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
                *self.options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_PATIENCE
        while time.monotonic() < deadline and self.process.poll() is None:  # exited: say so now
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"private redis-server did not listen on {self.port}")

    def kill(self) -> None:
        """SIGKILL our own redis-server, by pid, and wait for it to be gone."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def private_redis(*options: str) -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port(), *options)
    server.start()
    try:
        yield server
    finally:
        server.kill()
