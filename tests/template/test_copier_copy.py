"""`copier copy` of this tree makes a renamed, pruned project, and the step is idempotent.

The template is this working tree (with `--vcs-ref=HEAD` Copier takes uncommitted changes too).
The project is the smallest combination: no sample context (identity and the platform only) and
one adapter (webhook), so no NATS, http payments, MariaDB, OIDC tokens, PostgreSQL or Redis.
These tests look at its files only: that the generated projects pass their own `make test` (ruff,
mypy, import-linter, the API checks, every test) is `make test-combinations`
(tools/combinations.py), which .ci/run runs after `make test`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ANSWERS = ".copier-answers.yml"

pytestmark = pytest.mark.slow


def _env(project: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTICO_", "MYSHOP_")) and k != "CI"
    }
    env["PYTHONPATH"] = str(project / "src")
    # uv for the project's wheel test, as the Makefile finds it (on PATH or in .tools/).
    env["PATH"] = f"{BIN}:{ROOT / '.tools' / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    return env


def _ok(project: Path, *command: str) -> str:
    # A hang (a server the generated project waits for) fails the test instead of stalling CI.
    result = subprocess.run(
        command,
        cwd=project,
        env=_env(project),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"{result.args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("generated") / "myshop"
    _ok(
        ROOT,
        str(BIN / "copier"),
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "--vcs-ref=HEAD",
        "--data=project_name=Myshop",
        "--data=contexts=[]",
        "--data=adapters=[webhook]",
        "--data=author_name=Ada Lovelace",
        str(ROOT),
        str(project),
    )
    return project


def _files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_the_name_is_replaced_everywhere(project: Path) -> None:
    left = [
        p.relative_to(project)
        for p in _files(project)
        if re.search("portico", p.read_text(errors="replace"), flags=re.IGNORECASE)
    ]
    # Only the answers file may name the template: its _src_path, for `copier update`.
    assert set(left) <= {Path(ANSWERS)}
    variables = (project / "src/entrypoints/settings/variables.py").read_text()
    assert '"MYSHOP_"' in variables
    assert (
        "MYSHOP_DATABASE_URL=sqlite+aiosqlite:///var/myshop.db"
        in (project / ".env.example").read_text()
    )
    pyproject = (project / "pyproject.toml").read_text()
    assert 'name = "myshop"' in pyproject
    assert 'myshop = "entrypoints.cli.main:main"' in pyproject
    assert 'authors = [{ name = "Ada Lovelace" }]' in pyproject
    assert (project / "LICENSE").read_text().startswith("MIT License")


def test_what_was_left_out_is_gone_and_the_template_stays_behind(project: Path) -> None:
    names = {p.relative_to(project).as_posix() for p in project.rglob("*")}
    for context in ("catalog", "ordering"):
        assert not {n for n in names if context in n.split("/")}
        assert f'"{context}"' not in (project / "src/entrypoints/modules.py").read_text()
    assert "src/domain/identity" in names
    for template_only in (
        "copier.yml",
        "tools/make_it_yours.py",
        "tests/template",
        "docs/template.md",
    ):
        assert template_only not in names
    assert "template-only" not in (project / "README.md").read_text()
    # The template's combinations run (tools/combinations.py) leaves its Makefile and CI script.
    assert "tools/combinations.py" not in names
    for script in ("Makefile", ".ci/run"):
        text = (project / script).read_text()
        assert "template-only" not in text
        assert "combinations" not in text
        assert "\n\n\n" not in text  # the removed targets' blank lines do not pile up
    assert (project / ".ci/run").read_text().endswith("make test\n")
    # The adapters left out (NATS, http payments, MariaDB, OIDC tokens, PostgreSQL, Redis): no
    # dependency, lock entry or tag left, and one initial migration for what was kept.
    for distribution in (
        "nats-py",
        "asyncmy",
        "asyncpg",
        "opentelemetry-instrumentation-asyncpg",
        "redis[",
        "opentelemetry-instrumentation-redis",
    ):
        assert f'"{distribution}' not in (project / "pyproject.toml").read_text()
        assert f'name = "{distribution.rstrip("[")}"' not in (project / "uv.lock").read_text()
    assert "src/adapters/messaging/nats.py" not in names
    assert "tests/support/mariadb.py" not in names
    # Without OIDC tokens, social sign-in keeps what it checks a provider's ID tokens with.
    assert "src/adapters/identity/oidc.py" not in names
    assert "src/adapters/identity/provider_tokens.py" in names
    assert "src/adapters/persistence/sql/notify.py" not in names
    assert "compose.yaml" not in names
    assert not [p for p in _files(project) if "_POSTGRES" in p.read_text(errors="replace")]
    assert "src/entrypoints/platform/redis.py" not in names
    assert not [p for p in _files(project) if "[adapter:" in p.read_text(errors="replace")]
    versions = sorted(p.name for p in (project / "migrations/versions").glob("*.py"))
    assert versions == ["0001_initial.py"]
    answers = (project / ANSWERS).read_text()
    assert "contexts: []\n" in answers
    assert "adapters:\n- webhook\n" in answers
    assert "project_name: Myshop\n" in answers


def test_the_step_changes_nothing_when_run_again(project: Path) -> None:
    # What `copier update` relies on: the task re-runs over files it has already made its own.
    before = {p: p.read_bytes() for p in _files(project)}
    env = {**_env(project), "PYTHONPATH": str(ROOT)}
    step = [sys.executable, "-m", "tools.make_it_yours", "--root", str(project)]
    answers = ["--name=Myshop", "--contexts=", "--adapters=webhook"]
    answers += ["--author=Ada Lovelace"]
    result = subprocess.run(
        [*step, *answers, f"--keep={ANSWERS}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    after = {p: p.read_bytes() for p in _files(project)}
    assert after.keys() == before.keys()
    assert [p for p in after if after[p] != before[p]] == []
