"""A three-node NATS JetStream cluster of our own on loopback: each node a nats-server on free
ports (clients, routes, monitoring) storing in a folder of the test's; killed and restarted by
pid. CI fails (never skips) when nats-server is missing or too old for JetStream clustering.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import nats
import nats.errors
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo, StreamInfo

from tests.support.nats import NATS_SERVER, PATIENCE, plain_client
from tests.support.servers import ON_CI, START_PATIENCE, free_port, reachable

T = TypeVar("T")
MINIMUM_VERSION = (2, 9)  # JetStream clustering with stream and consumer replicas, as tested


def require_clustering_nats_server() -> None:
    problem = None
    if not Path(NATS_SERVER).exists():
        problem = f"{NATS_SERVER} is not installed (apt-get install nats-server)"
    else:
        shown = subprocess.run(
            [NATS_SERVER, "--version"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"v(\d+)\.(\d+)", shown)
        if found is None or (int(found[1]), int(found[2])) < MINIMUM_VERSION:
            problem = f"{NATS_SERVER} is {shown.strip()!r}; the cluster test needs v2.9 or later"
    if problem is not None:
        if ON_CI:
            pytest.fail(problem)
        pytest.skip(problem)


class NatsNode:
    def __init__(self, name: str, store: Path) -> None:
        self.name, self.store = name, store
        self.port, self.route_port, self.monitor_port = free_port(), free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, routes: list[str]) -> None:
        # A port free when chosen may be taken before the server binds it (other tests and
        # processes share loopback): a server that exits at once gets new client ports, twice.
        for attempt in range(3):
            log = self.store.parent / f"{self.name}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("ab") as output:
                self.process = subprocess.Popen(
                    [
                        NATS_SERVER,
                        *("-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor_port)),
                        *("-n", self.name, "-js", "-sd", str(self.store)),
                        *("--cluster_name", "portico-test"),
                        *("--cluster", f"nats://127.0.0.1:{self.route_port}"),
                        *("--routes", ",".join(routes)),
                    ],
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + START_PATIENCE
            while not reachable("127.0.0.1", self.port, timeout=0.2):
                if self.process.poll() is not None and attempt < 2:
                    self.port, self.monitor_port = free_port(), free_port()
                    break
                if time.monotonic() > deadline or self.process.poll() is not None:
                    said = log.read_text(errors="replace")[-600:]
                    raise RuntimeError(
                        f"nats-server {self.name} did not start on {self.port}: {said}"
                    )
                time.sleep(0.05)
            else:
                return

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients or the other nodes."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def client_names(self) -> list[str]:
        """The names of the clients connected to this node (its monitoring endpoint)."""
        connections = self._monitor("connz").get("connections") or []
        return [str(connection.get("name", "")) for connection in connections]

    def meta_leader(self) -> str:
        """The JetStream meta leader this node knows of ("" while none is elected)."""
        return str((self._monitor("jsz").get("meta_cluster") or {}).get("leader") or "")

    def _monitor(self, page: str) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.monitor_port}/{page}"
        with urllib.request.urlopen(url, timeout=PATIENCE) as answer:
            found: dict[str, Any] = json.load(answer)
            return found


class NatsCluster:
    def __init__(self, folder: Path, size: int = 3) -> None:
        require_clustering_nats_server()
        self.nodes = [NatsNode(f"n{i}", folder / f"n{i}") for i in range(size)]

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated: PORTICO_NATS_URL for a cluster."""
        return ",".join(node.url for node in self.nodes)

    @property
    def routes(self) -> list[str]:
        return [f"nats://127.0.0.1:{node.route_port}" for node in self.nodes]

    def start(self) -> None:
        """Start every node; return once the cluster has elected its JetStream meta leader
        (before that, creating a stream times out)."""
        for node in self.nodes:
            node.start(self.routes)
        deadline = time.monotonic() + START_PATIENCE
        while not all(node.meta_leader() for node in self.nodes):
            if time.monotonic() > deadline:
                raise RuntimeError("the NATS cluster elected no JetStream meta leader")
            time.sleep(0.1)

    def node(self, name: str) -> NatsNode:
        return next(node for node in self.nodes if node.name == name)

    def restart(self, node: NatsNode) -> None:
        node.start(self.routes)

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()

    async def stream_info(self, stream: str) -> StreamInfo:
        """JetStream's stream info (its replicas, its leader's name), asked of a running node;
        asked again while the cluster is electing (the request then times out)."""
        return await self._ask(lambda js: js.stream_info(stream))

    async def consumer_info(self, stream: str, consumer: str) -> ConsumerInfo:
        return await self._ask(lambda js: js.consumer_info(stream, consumer))

    async def _ask(self, question: Callable[[JetStreamContext], Awaitable[T]]) -> T:
        running = [node.url for node in self.nodes if node.running]
        nc = await plain_client(running)
        try:
            async with asyncio.timeout(PATIENCE):
                while True:
                    with contextlib.suppress(nats.errors.TimeoutError):
                        return await question(nc.jetstream(timeout=2))
        finally:
            await nc.close()

    async def in_sync(self, stream: str) -> StreamInfo:
        """Wait until `stream` has a leader and every other replica is current: a node
        restarted has caught up."""
        async with asyncio.timeout(PATIENCE):
            while True:
                info = await self.stream_info(stream)
                peers = info.cluster.replicas if info.cluster is not None else None
                if (
                    info.cluster
                    and info.cluster.leader
                    and peers is not None
                    and len(peers) == len(self.nodes) - 1
                    and all(peer.current and not peer.offline for peer in peers)
                ):
                    return info
                await asyncio.sleep(0.2)
