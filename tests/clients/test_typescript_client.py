"""The TypeScript client (clients/typescript) compiles against the types generated from the
committed OpenAPI document, and those types are strict: a wrong field does not compile."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.api_tools import require_api_tool
from tools.clients import NODE_BIN, ROOT, typescript_schema

FLOW = Path(__file__).parent / "typescript" / "flow.ts"
WRONG = """import { createPorticoClient } from "./index";
export async function wrong(): Promise<number> {
  const page = await createPorticoClient("http://x").GET("/api/v1/products", {});
  return page.data ? page.data.items[0].weight : 0;
}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client's sources with freshly generated types, compiled with tools/api's packages."""
    require_api_tool("tsc")
    folder = tmp_path_factory.mktemp("ts-client")
    shutil.copy(ROOT / "clients/typescript/src/index.ts", folder / "index.ts")
    shutil.copy(FLOW, folder / "flow.ts")
    typescript_schema(folder / "schema.d.ts")
    fetch = str(NODE_BIN.parent / "openapi-fetch")
    options = json.loads((ROOT / "clients/typescript/tsconfig.json").read_text())["compilerOptions"]
    options |= {"noEmit": True, "baseUrl": ".", "paths": {"openapi-fetch": [fetch]}}
    (folder / "tsconfig.json").write_text(json.dumps({"compilerOptions": options}))
    return folder


def _tsc(project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    config = json.loads((project / "tsconfig.json").read_text())
    (project / "tsconfig.json").write_text(json.dumps({**config, "files": list(files)}))
    return subprocess.run(
        [str(NODE_BIN / "tsc"), "-p", str(project)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_client_and_an_everyday_flow_compile(project: Path) -> None:
    done = _tsc(project, "index.ts", "flow.ts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_field_the_api_does_not_have_does_not_compile(project: Path) -> None:
    (project / "wrong.ts").write_text(WRONG)
    done = _tsc(project, "index.ts", "wrong.ts")
    assert done.returncode != 0
    assert "Property 'weight' does not exist" in done.stdout
