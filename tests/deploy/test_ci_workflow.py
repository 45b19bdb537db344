"""The forge's workflow runs what .ci/run runs, on the same four servers, and builds the image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
WORKFLOW: dict[str, Any] = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
TEST = WORKFLOW["jobs"]["test"]


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_make_test_runs_with_the_settings_ci_run_exports() -> None:
    assert "make test" in _runs(TEST)
    ci_run = (ROOT / ".ci/run").read_text()
    assert "make test" in ci_run
    for variable in (
        "CI",
        "PORTICO_TEST_POSTGRES_URL",  # [adapter:postgresql]
        "PORTICO_TEST_MARIADB_URL",  # [adapter:mariadb]
    ):
        assert variable in TEST["env"]
        assert variable in ci_run


def test_the_servers_are_the_ones_the_tests_use() -> None:
    services = TEST.get("services", {})  # none left when every server adapter is left out
    assert {name: service["ports"] for name, service in services.items()} == {
        "postgres": ["5432:5432"],  # [adapter:postgresql]
        "mariadb": ["3306:3306"],  # [adapter:mariadb]
        "redis": ["6379:6379"],  # [adapter:redis]
    }
    assert all("--health-cmd" in service["options"] for service in services.values())
    # [adapter:nats begin]
    # NATS needs -js, which a service container cannot be given: a step starts it.
    assert "-p 4222:4222" in _runs(TEST)
    assert " -js" in _runs(TEST)
    # [adapter:nats end]


def test_the_image_is_built_and_started() -> None:
    image = WORKFLOW["jobs"]["image"]
    (build,) = [step for step in image["steps"] if "build-push-action" in step.get("uses", "")]
    assert build["with"]["push"] is False
    assert "db upgrade" in _runs(image)
    assert "--read-only" in _runs(image)
