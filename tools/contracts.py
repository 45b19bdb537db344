"""The committed API contracts: what consumers build on, written from the code and checked.

- docs/api/openapi.json: the OpenAPI document the app serves at /schema/openapi.json.
- docs/api/asyncapi.json: the AsyncAPI 3 document of the events.  # [adapter:nats]

`python -m tools.contracts [NAME ...]` (`make openapi`, `make contracts`) writes them; the tests
(tests/architecture/test_contracts.py) fail when a committed file differs from what the code
makes. Files are JSON with sorted keys and two-space indents, so a diff shows exactly what
changed. The documents come from the embedded default settings with in-memory persistence: the
routes and schemas do not depend on where the data lives.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
Document = dict[str, Any]


def openapi_document() -> Document:
    # Imported here: `tools` is also used without the project's dependencies (tools/contexts.py).
    from entrypoints.container import build_container
    from entrypoints.http.app import create_app
    from entrypoints.settings import AuthSettings, LoggingSettings, Settings

    with tempfile.TemporaryDirectory() as keys:
        settings = Settings(
            environment="test",
            persistence="memory",
            logging=LoggingSettings(format="json", level="WARNING"),
            auth=AuthSettings(dev_key_file=str(Path(keys) / "dev-signing-key.json")),
        )
        app = create_app(build_container(settings))
        document: Document = app.openapi_schema.to_schema()
    return document


# [adapter:nats begin]
def _asyncapi_document() -> Document:
    from tools.asyncapi import asyncapi_document

    return asyncapi_document()


# [adapter:nats end]


# The committed documents, by name: where each is written, and how it is made.
CONTRACTS: dict[str, tuple[str, Callable[[], Document]]] = {
    "openapi": ("docs/api/openapi.json", openapi_document),
    "asyncapi": ("docs/api/asyncapi.json", _asyncapi_document),  # [adapter:nats]
}


def render(document: Document) -> str:
    """Stable text: sorted keys, two-space indents, one trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(names: list[str], root: Path = ROOT) -> list[Path]:
    written = []
    for name in names:
        relative, make = CONTRACTS[name]
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(make())
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="contracts", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"among {', '.join(CONTRACTS)} (default: all)")
    args = parser.parse_args(argv)
    if unknown := set(args.names) - set(CONTRACTS):
        parser.error(f"unknown contract {', '.join(sorted(unknown))}")
    for path in write(args.names or list(CONTRACTS)):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
