"""The API's quality rules: request examples that decode, and the breaking-change gate
(tools/api_compat.py) refusing a breaking change unless the major version goes up."""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

import entrypoints
from tests.support.api_tools import require_api_tool
from tools.api_compat import BASELINE, CURRENT, Comparison, compare, main, reduced, verdict


def _request_types() -> dict[str, type[Any]]:
    found = {}
    for module in pkgutil.walk_packages(entrypoints.__path__, "entrypoints."):
        if module.name.endswith(".http.schemas"):
            for name, value in vars(importlib.import_module(module.name)).items():
                if isinstance(value, type) and "EXAMPLE" in vars(value):
                    found[f"{module.name}.{name}"] = value
    return found


def test_every_request_example_is_a_valid_request() -> None:
    types = _request_types()
    assert types, "no request type has an EXAMPLE"
    for name, kind in types.items():
        try:
            msgspec.convert(kind.EXAMPLE, kind)
        except (msgspec.ValidationError, ValueError) as error:
            pytest.fail(f"{name}.EXAMPLE is not a valid request: {error}")


def _document(tmp_path: Path, name: str, change: Any) -> Path:
    document = copy.deepcopy(json.loads(CURRENT.read_text(encoding="utf-8")))
    change(document)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _without_a_route(document: dict[str, Any]) -> None:
    del document["paths"]["/api/v1/users/me"]


def _next_major(document: dict[str, Any]) -> None:
    _without_a_route(document)
    document["info"]["version"] = f"{int(document['info']['version'].split('.')[0]) + 1}.0.0"


def test_the_committed_document_is_compatible_with_the_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_api_tool("optic")
    assert main([]) == 0, capsys.readouterr().err
    # A fork made with copier has no baseline until its first release; then anything passes.
    assert ("compatible" if BASELINE.exists() else "no release yet") in capsys.readouterr().out


def test_without_a_baseline_nothing_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _document(tmp_path, "broken.json", _without_a_route)
    assert main(["--baseline", str(tmp_path / "none.json"), "--current", str(broken)]) == 0
    assert "no release yet" in capsys.readouterr().out


def _users_routes_only(document: dict[str, Any]) -> None:
    """Only the /api/v1/users routes (identity's: in every generated project), their schemas
    kept: Optic takes about 3 s of CPU on them, 12 s on the whole document."""
    document["paths"] = {
        path: item for path, item in document["paths"].items() if path.startswith("/api/v1/users")
    }


def _users_routes_without_one(document: dict[str, Any]) -> None:
    _users_routes_only(document)
    _without_a_route(document)


def test_optic_is_given_only_the_paths_the_current_document_removes_or_changes() -> None:
    def document(name_type: str, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        ok = {
            "200": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
            }
        }
        return {
            "info": {"version": "1.0.0"},
            "paths": {
                "/same": {"get": {"responses": {"204": {}}}},
                "/via-ref": {"get": {"responses": ok}},
                "/removed": {"delete": {"responses": {"204": {}}}},
                **(extra or {}),
            },
            "components": {"schemas": {"Thing": {"properties": {"name": {"type": name_type}}}}},
        }

    baseline = document("string")
    current = document("integer", extra={"/added": {"post": {"responses": {"201": {}}}}})
    del current["paths"]["/removed"]

    smaller_baseline, smaller_current = reduced(baseline, current)

    # /via-ref's own text is unchanged: only its $ref followed shows the narrowed type.
    assert list(smaller_baseline["paths"]) == ["/via-ref", "/removed"]
    assert list(smaller_current["paths"]) == ["/via-ref"]
    assert smaller_current["components"] == current["components"]
    assert smaller_baseline["info"] == baseline["info"]
    # Nothing changed: nothing left for Optic to judge.
    assert reduced(baseline, copy.deepcopy(baseline))[0]["paths"] == {}


def test_a_removed_route_is_refused_unless_the_major_version_goes_up(tmp_path: Path) -> None:
    optic = require_api_tool("optic")
    # The committed document's users routes as the release (a generated project has no
    # baseline file yet); `make api-check` compares the whole document with the baseline.
    baseline = _document(tmp_path, "baseline.json", _users_routes_only)
    broken = _document(tmp_path, "broken.json", _users_routes_without_one)

    comparison = compare(baseline, broken, optic)

    assert comparison.breaking
    assert "/api/v1/users/me" in comparison.report
    message = verdict(baseline, broken, comparison)
    assert message is not None
    assert "raise API_VERSION's major" in message
    # The same change under the next major version passes (whatever Optic says of it).
    new_major = _document(tmp_path, "v2.json", _next_major)
    assert verdict(baseline, new_major, Comparison(True, "")) is None


# An identity route with a request body and a 409: identity is in every generated project.
FAULTY = "/api/v1/users/me/email"


def _three_faults(document: dict[str, Any]) -> None:
    operation = document["paths"][FAULTY]["post"]
    operation["summary"] = "Create"  # Litestar's default: the handler's name
    del operation["requestBody"]["content"]["application/json"]["examples"]
    problem = operation["responses"]["409"]["content"].pop("application/problem+json")
    operation["responses"]["409"]["content"]["application/json"] = problem


def test_the_lint_rules_find_a_missing_summary_example_and_problem_json(tmp_path: Path) -> None:
    spectral = require_api_tool("spectral")
    faulty = _document(tmp_path, "faulty.json", _three_faults)
    ruleset = Path(__file__).resolve().parents[2] / "tools/api/spectral.yaml"

    result = subprocess.run(
        [str(spectral), "lint", str(faulty), "--ruleset", str(ruleset), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    found = {
        (item["code"], ".".join(map(str, item["path"][:3]))) for item in json.loads(result.stdout)
    }
    assert result.returncode == 1
    assert found == {
        ("operation-summary", f"paths.{FAULTY}.post"),
        ("request-body-example", f"paths.{FAULTY}.post"),
        ("errors-are-problem-json", f"paths.{FAULTY}.post"),
    }
