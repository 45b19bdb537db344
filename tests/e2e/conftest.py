"""Real `portico` processes on free ports."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.servers import free_port

PORTICO = str(Path(sys.executable).parent / "portico")
START_TIMEOUT = 90


def portico_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env.update(
        {f"PORTICO_{key.upper()}": value for key, value in {**FAST_AUTH, **settings}.items()}
    )
    return env


def run_portico(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PORTICO, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Cheap argon2 for tests; the dev signing key goes to the test's own folder.
FAST_AUTH = {
    "password_time_cost": "1",
    "password_memory_kib": "1024",
    "password_parallelism": "1",
}


def create_admin(env: dict[str, str], cwd: Path, email: str, password: str) -> None:
    made = run_portico("users", "create-admin", "--email", email, env=env, cwd=cwd, stdin=password)
    assert made.returncode == 0, made.stderr


def sign_in(http: httpx.Client, email: str, password: str) -> dict[str, str]:
    """Log in and return the Authorization header for the access token."""
    response = http.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`portico serve` on a free port; yields its base URL once /health/live answers."""
    port = free_port()
    process = subprocess.Popen(
        [PORTICO, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: with one pytest-xdist worker per core, several servers may be starting at once.
        deadline = time.monotonic() + START_TIMEOUT
        # One client for every poll: httpx.get makes a client, and its TLS context, per call
        # (~24 ms of CPU against ~0.1 ms), and a start takes tens of polls.
        with httpx.Client(timeout=1) as probe:
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"portico serve exited: {process.communicate()}")
                with contextlib.suppress(httpx.TransportError):  # not listening yet
                    if probe.get(f"{base}/health/live").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"portico serve did not answer within {START_TIMEOUT} s")
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
