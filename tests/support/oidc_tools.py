"""The social sign-in end-to-end test's Node.js tools (tools/oidc/, `make oidc-tools`): a real
OpenID Connect provider (oidc-provider) on loopback, and headless Chromium driven through the
provider's sign-in and consent pages. Missing tools fail on CI and skip elsewhere."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import kill_tree
from tests.support.servers import ON_CI, START_PATIENCE, free_port

TOOLS = Path(__file__).resolve().parents[2] / "tools/oidc"
CHROMIUM = Path(os.environ.get("PORTICO_TEST_CHROMIUM", "/usr/bin/chromium"))


def require_oidc_tools() -> str:
    """The node executable, once the provider, the browser driver and Chromium are there."""
    node = shutil.which("node")
    problems = []
    if node is None:
        problems.append("node is missing (apt-get install nodejs npm)")
    if not (TOOLS / "node_modules/oidc-provider").is_dir():
        problems.append("tools/oidc is not installed: run make oidc-tools")
    if not CHROMIUM.exists():
        problems.append("chromium is missing (apt-get install chromium)")
    if problems:
        if ON_CI:
            pytest.fail("; ".join(problems))
        pytest.skip("; ".join(problems))
    assert node is not None
    return node


@contextlib.contextmanager
def oidc_provider(
    node: str, *, client_id: str, client_secret: str, redirect_uri: str, log: Path
) -> Iterator[str]:
    """Run the provider on a free loopback port; yields its issuer URL once it answers."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {
        "PATH": "/usr/bin:/bin",
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_URI": redirect_uri,
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [node, str(TOOLS / "provider.mjs")], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_PATIENCE
        while True:
            if process.poll() is not None:
                raise AssertionError(f"oidc-provider exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"oidc-provider did not answer: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield issuer
    finally:
        kill_tree(process.pid)
        process.wait(timeout=10)


def sign_in_with_browser(node: str, start_url: str, login: str) -> dict[str, Any]:
    """Headless Chromium from the start URL through the provider's pages; where it ended."""
    done = subprocess.run(
        [node, str(TOOLS / "browser.mjs"), start_url, login],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "CHROMIUM": str(CHROMIUM)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
