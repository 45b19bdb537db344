"""Run the real `portico serve` (granian) on a free port for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.redis import free_port

ROOT = Path(__file__).resolve().parents[2]


def _portico(*args: str) -> list[str]:
    return [sys.executable, "-m", "entrypoints.cli.main", *args]


def _environment(settings: Mapping[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    python_path = os.pathsep.join([str(ROOT / "src"), inherited.get("PYTHONPATH", "")])
    return {**inherited, "PYTHONPATH": python_path, **settings}


@contextmanager
def portico_server(settings: Mapping[str, str]) -> Iterator[str]:
    """Migrate, serve on a free port, yield the base URL; stop the server (by pid) afterwards."""
    env = _environment(settings)
    subprocess.run(
        _portico("db", "upgrade"),
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = free_port()
    process = subprocess.Popen(
        _portico("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"portico serve exited: {error}")
            try:
                if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("portico serve did not answer within 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
