"""With one worker `portico serve` serves in its own process (granian's embedded server): a bare
ASGI app served that way answers, stops on SIGTERM after its lifespan shutdown, and a start-up
that fails makes the process exit 1, as granian's supervisor does when its worker dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx

from tests.support.servers import free_port

SERVE = """
from granian.constants import Interfaces
from granian.server.embed import Server
from entrypoints.cli.serve import _serve_in_this_process

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if FAIL:
                    await send({"type": "lifespan.startup.failed", "message": "no"})
                    return
                await send({"type": "lifespan.startup.complete"})
            else:
                print("shutdown ran", flush=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"served"})

_serve_in_this_process(
    Server(lambda: app, interface=Interfaces.ASGI, address="127.0.0.1", port=PORT, factory=True)
)
"""


def start(port: int, *, fail: bool) -> subprocess.Popen[str]:
    code = f"FAIL = {fail}\nPORT = {port}\n{SERVE}"
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_it_serves_and_stops_on_sigterm_after_the_apps_shutdown() -> None:
    port = free_port()
    process = start(port, fail=False)
    try:
        with httpx.Client(timeout=1) as client:
            for _ in range(300):
                try:
                    answer = client.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    assert process.poll() is None, process.communicate()
                    time.sleep(0.1)
            else:
                raise AssertionError("the embedded server did not answer within 30 s")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert answer.text == "served"
    assert process.returncode == 0, err
    assert "shutdown ran" in out


def test_a_start_that_fails_exits_1() -> None:
    process = start(free_port(), fail=True)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "ASGI lifespan startup failed" in out + err  # granian says why, once
    assert "Traceback" not in out + err
