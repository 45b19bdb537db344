"""Typed clients of the HTTP API, generated from the committed docs/api/openapi.json
(`make clients`, docs/api.md):

- clients/python/: a package made by openapi-python-client (attrs models, httpx, sync and async
  calls, a pyproject.toml to publish it);
- clients/typescript/src/schema.d.ts: the API's types made by openapi-typescript, which the
  committed clients/typescript/src/index.ts turns into a typed fetch client (openapi-fetch).

Generated code is not committed: the OpenAPI document is, and each build makes the clients anew.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs/api/openapi.json"
PYTHON_CLIENT = ROOT / "clients/python"
TYPESCRIPT_SCHEMA = ROOT / "clients/typescript/src/schema.d.ts"
NODE_BIN = ROOT / "tools/api/node_modules/.bin"
# The package's name, whatever the API's title says (the template renames "portico").
PYTHON_NAMES = "project_name_override: portico-client\npackage_name_override: portico_client\n"


def python_client(output: Path = PYTHON_CLIENT, spec: Path = SPEC) -> Path:
    """Write the Python client package to `output`; returns the folder holding its package."""
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config.yaml"
        config.write_text(PYTHON_NAMES, encoding="utf-8")
        # The generator formats its output with ruff, which it finds on PATH.
        env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
        command = [
            str(venv_bin / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(output),
            "--config",
            str(config),
            "--meta",
            "uv",
            "--overwrite",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or "Warning" in done.stdout or "Error" in done.stdout:
        raise RuntimeError(f"openapi-python-client failed:\n{done.stdout}{done.stderr}")
    _import_unset(output)
    return output


def _import_unset(output: Path) -> None:
    """openapi-python-client 0.29 annotates a body of several media types (POST /auth/login:
    JSON or a form) with `Unset` without importing it; add the import where it is missing."""
    for module in output.glob("*/api/*/*.py"):
        text = module.read_text(encoding="utf-8")
        if "| Unset" in text and "import Unset" not in text and " Unset," not in text:
            module.write_text(f"from ...types import Unset\n{text}", encoding="utf-8")


def typescript_schema(output: Path = TYPESCRIPT_SCHEMA, spec: Path = SPEC) -> Path:
    """Write the API's TypeScript types (openapi-typescript) to `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [str(NODE_BIN / "openapi-typescript"), str(spec), "--output", str(output)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"openapi-typescript failed:\n{done.stdout}{done.stderr}")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clients", description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", help="python, typescript (default: both)")
    languages = parser.parse_args(argv).languages or ["python", "typescript"]
    if unknown := set(languages) - {"python", "typescript"}:
        parser.error(f"unknown language: {', '.join(sorted(unknown))}")
    try:
        if "python" in languages:
            print(f"wrote {python_client().relative_to(ROOT)}")
        if "typescript" in languages:
            print(f"wrote {typescript_schema().relative_to(ROOT)}")
    except (OSError, RuntimeError) as error:
        print(f"clients: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
