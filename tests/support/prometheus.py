"""A private Prometheus server for the tests: the system's `prometheus` binary (the Debian
package; `.ci/run` installs it), started on a free port with its own configuration and data in
the test's folder, stopped by its pid. The package's own service, if it runs, is left alone.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx
import pytest

from tests.support.servers import ON_CI, free_port

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def require_prometheus() -> None:
    if not Path(PROMETHEUS).exists():
        message = "prometheus is not installed: apt-get install prometheus (.ci/run does)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)


class PrivatePrometheus:
    def __init__(self, folder: Path, targets: dict[str, str]) -> None:
        """`targets`: job name -> host:port, each scraped every second."""
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._targets = targets
        self._process: subprocess.Popen[bytes] | None = None
        # One client for the polls and queries (httpx.get makes one, TLS context and all, a call).
        self._http = httpx.Client(base_url=self.url)

    def __enter__(self) -> PrivatePrometheus:
        self.folder.mkdir(parents=True, exist_ok=True)
        jobs = "".join(
            f"  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            for job, target in self._targets.items()
        )
        config = self.folder / "prometheus.yml"
        config.write_text(f"global:\n  scrape_interval: 1s\nscrape_configs:\n{jobs}")
        self._log = (self.folder / "prometheus.log").open("wb")
        self._process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise AssertionError((self.folder / "prometheus.log").read_text()[-2000:])
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        with contextlib.suppress(httpx.TransportError):
            return self._http.get("/-/ready", timeout=5).status_code == 200
        return False

    def value(self, expression: str) -> float | None:
        """The one value of an instant query through the HTTP API; None when it has no series."""
        answer = self._http.get("/api/v1/query", params={"query": expression}, timeout=30)
        answer.raise_for_status()
        result = answer.json()["data"]["result"]
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()
        self._http.close()
