"""The committed contracts (docs/api/) are what the code makes: a change to the API shows in
the diff of the commit that made it, and consumers read the same document the server serves."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tools.contracts import CONTRACTS, ROOT, render


def _committed(name: str) -> object:
    path = ROOT / CONTRACTS[name][0]
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run make {name}"
    return json.loads(path.read_text(encoding="utf-8"))


async def test_the_committed_openapi_document_is_the_one_the_app_serves(
    client: AsyncTestClient[Litestar],
) -> None:
    served = (await client.get("/schema/openapi.json")).json()
    # Compared as JSON: the text is the tool's (sorted keys), whatever renamed it since.
    assert _committed("openapi") == served, "docs/api/openapi.json is stale: run make openapi"


def test_a_document_is_written_as_stable_text() -> None:
    assert render({"b": [1, {"d": 1, "c": "é"}], "a": None}) == (
        '{\n  "a": null,\n  "b": [\n    1,\n    {\n      "c": "é",\n      "d": 1\n    }\n  ]\n}\n'
    )
