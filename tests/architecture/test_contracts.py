"""The committed contracts (docs/api/) are what the code makes: a change to the API shows in
the diff of the commit that made it, and consumers read the same document the server serves."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tools.contracts import CONTRACTS, ROOT, render


def _committed(name: str) -> Any:
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


# [adapter:nats begin]
def test_the_committed_asyncapi_document_is_the_one_the_declarations_make() -> None:
    made = CONTRACTS["asyncapi"][1]()
    assert _committed("asyncapi") == made, "docs/api/asyncapi.json is stale: run make asyncapi"


# The AsyncAPI 3.0.0 JSON Schema, vendored from github.com/asyncapi/spec-json-schemas
# (schemas/3.0.0-without-$id.json, Apache-2.0): check-jsonschema has no built-in copy.
ASYNCAPI_3 = Path(__file__).with_name("asyncapi-3.0.0.schema.json")


def test_the_asyncapi_document_is_valid_asyncapi_3() -> None:
    validator = Draft7Validator(json.loads(ASYNCAPI_3.read_text(encoding="utf-8")))
    document = _committed("asyncapi")
    validator.validate(document)
    # The schema does check what it is given: AsyncAPI 2 is refused, as is its word for an
    # operation (a project whose contexts publish nothing has no operation to spoil).
    assert not validator.is_valid({**document, "asyncapi": "2.6.0"})
    for operation in document["operations"]:
        wrong = copy.deepcopy(document)
        wrong["operations"][operation]["action"] = "publish"
        assert not validator.is_valid(wrong)


# [adapter:nats end]
