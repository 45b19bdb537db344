"""The Dockerfile's final stage: the venv, a non-root user, a health check, nothing to build with.

hadolint (`make deploy-check`) lints it; no image is built by the tests (CI's workflow builds
it). Each stage is read as its instructions.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _stages() -> list[list[str]]:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    stages: list[list[str]] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


BUILDER, FINAL = _stages()


def test_the_builder_installs_the_locked_dependencies_and_the_project_as_a_wheel() -> None:
    syncs = [line for line in BUILDER if "uv sync" in line]
    assert all("--frozen" in line and "--no-dev" in line for line in syncs)
    assert "--no-editable" in syncs[-1]  # the wheel carries migrations/ (entrypoints/migrations)
    assert "COPY migrations ./migrations" in BUILDER


def test_the_final_stage_has_the_venv_and_nothing_to_build_with() -> None:
    copies = [line for line in FINAL if line.startswith("COPY")]
    assert copies == ["COPY --from=builder /app/.venv /app/.venv"]
    final = "\n".join(FINAL)
    for tool in ("uv ", "pip install", "apt-get", "gcc", "build-essential", "curl"):
        assert tool not in final, tool


def test_the_final_stage_runs_as_an_unprivileged_user() -> None:
    (user,) = [line for line in FINAL if line.startswith("USER ")]
    uid = user.split()[1].split(":")[0]
    assert uid.isdigit()
    assert int(uid) >= 1000


def test_the_health_check_asks_for_liveness_with_python_alone() -> None:
    (check,) = [line for line in FINAL if line.startswith("HEALTHCHECK")]
    assert '"python", "-c"' in check
    assert "/health/live" in check


def test_the_portico_command_is_the_entrypoint_serve_the_default() -> None:
    assert 'ENTRYPOINT ["portico"]' in FINAL
    assert FINAL[-1] == 'CMD ["serve"]'


def test_the_build_context_is_what_the_build_copies() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*") :][:6] == [
        "*",
        "!pyproject.toml",
        "!uv.lock",
        "!README.md",
        "!src/",
        "!migrations/",
    ]
