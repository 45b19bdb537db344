"""The TypeScript client's sources with freshly generated types, in a folder of their own,
compiled with tools/api's packages (tsc, openapi-fetch)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.api_tools import require_api_tool
from tools.clients import NODE_BIN, ROOT, typescript_schema

Compile = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def typescript_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_api_tool("tsc")
    folder = tmp_path_factory.mktemp("ts-client")
    shutil.copy(ROOT / "clients/typescript/src/index.ts", folder / "index.ts")
    typescript_schema(folder / "schema.d.ts")
    fetch = str(NODE_BIN.parent / "openapi-fetch")
    options = json.loads((ROOT / "clients/typescript/tsconfig.json").read_text())["compilerOptions"]
    options |= {"noEmit": True, "baseUrl": ".", "paths": {"openapi-fetch": [fetch]}}
    (folder / "tsconfig.json").write_text(json.dumps({"compilerOptions": options}))
    return folder


@pytest.fixture
def tsc(typescript_project: Path) -> Compile:
    """Compile index.ts with the given sources (name: text) beside it, strictly."""

    def compile_with(**sources: str) -> subprocess.CompletedProcess[str]:
        for name, text in sources.items():
            (typescript_project / name).write_text(text)
        config = json.loads((typescript_project / "tsconfig.json").read_text())
        config["files"] = ["index.ts", *sources]
        (typescript_project / "tsconfig.json").write_text(json.dumps(config))
        return subprocess.run(
            [str(NODE_BIN / "tsc"), "-p", str(typescript_project)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    return compile_with
