"""The API's Node.js tools (tools/api/, installed by `make api-tools`): where they are, and what a
test does when they are not installed (fail on CI, skip elsewhere, saying how to get them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.servers import ON_CI

BIN = Path(__file__).resolve().parents[2] / "tools/api/node_modules/.bin"


def require_api_tool(name: str) -> Path:
    tool = BIN / name
    if not tool.exists():
        message = f"{name} is not installed in tools/api: run make api-tools (needs npm)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return tool
