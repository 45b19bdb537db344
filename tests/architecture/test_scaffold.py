"""A scaffolded context is green without an edit: ruff, mypy, import-linter and its own tests.

The tree is copied (as test_remove_context.py does), `portico scaffold context` writes a context
with every field type, `portico scaffold use-case` adds a command and a query, and then the
checks and the new context's tests run in the copy, in-process and on SQLite (CI runs the
contract tests on PostgreSQL and MariaDB too, in a tree that holds a scaffolded context).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.modules import load_modules
from tests.architecture.test_remove_context import BIN, _copy, _ok, _run

FIELDS = [
    "title:str",
    "notes:text?",
    "count:int",
    "weight:decimal?",
    "price:money",
    "cash_on_delivery:money?",
    "fragile:bool",
    "due:date?",
    "sent_at:datetime?",
    "carrier_ref:uuid",
    "state:enum(open|shipped|lost)",
    "speed:enum(slow|fast)?",
]


@pytest.mark.slow
def test_a_scaffolded_context_and_use_cases_pass_every_check(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "var").mkdir(exist_ok=True)
    # By module, not by script name: a fork renamed by the template has another script name.
    portico = [str(BIN / "python"), "-m", "entrypoints.cli.main"]
    fields = [arg for spec in FIELDS for arg in ("--field", spec)]

    _ok(_run(copy, *portico, "scaffold", "context", "shipment", *fields))
    _ok(_run(copy, *portico, "scaffold", "use-case", "shipment", "mark_lost", "--command"))
    _ok(_run(copy, *portico, "scaffold", "use-case", "shipment", "tracking", "--query"))

    assert '    "shipment",\n' in (copy / "src" / "entrypoints" / "modules.py").read_text()
    assert "/api/v1/shipments" in (copy / "docs" / "api" / "openapi.json").read_text()
    assert list((copy / "tests" / "golden" / "events" / "shipment").glob("*.v1.json"))
    _ok(_run(copy, str(BIN / "ruff"), "check", "src", "tests", "migrations"))
    _ok(_run(copy, str(BIN / "ruff"), "format", "--check", "src", "tests", "migrations"))
    _ok(_run(copy, str(BIN / "mypy"), "--cache-dir", str(copy / ".mypy_cache")))
    _ok(_run(copy, str(BIN / "lint-imports"), "--no-cache"))
    # The new migration applies on top of the others.
    _ok(_run(copy, *portico, "db", "upgrade"))
    # Its seed hook adds `--shipments N` to `portico seed` (every other context's count is 0).
    others = [
        f"--{size.name}=0" for module in load_modules() if module.seed for size in module.seed.sizes
    ]
    seeded = _run(copy, *portico, "seed", *others, "--shipments=7", "--seed=1")
    _ok(seeded)
    assert "shipments: 7" in seeded.stdout.splitlines()
    tests = _run(
        copy,
        str(BIN / "pytest"),
        *(f"tests/{tier}/shipment" for tier in ("unit", "application", "contract", "api")),
        "tests/architecture/test_modules.py",
        # The scaffold wrote the new routes and events into the committed contracts.
        "tests/architecture/test_contracts.py",
        # Its fields' patterns are said in words in a 422 (entrypoints/http/patterns.py).
        "tests/api/test_openapi_patterns.py",
        "tests/golden",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not postgres and not mariadb",
    )
    _ok(tests)
    assert " passed" in tests.stdout
    assert "failed" not in tests.stdout
