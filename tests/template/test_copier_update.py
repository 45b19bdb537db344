"""`copier update` brings a later template version into a project that has grown its own code.

The template is a git repository made from this working tree (tracked and untracked files, as
Copier's own `--vcs-ref=HEAD` would take them), tagged v1; v2 is a small real change on top: a
doc heading, a docstring line of modules.py (a file the scaffold also edits, elsewhere), the
CLI's description (a line the task renames), and a line in the ordering context, which the
project left out. The project is copied from v1 without the ordering context, committed, given
a scaffolded context, a page of its own that names the template, and its own title for a doc
page that v2 retitles too; then `copier update --vcs-ref=v2 --defaults` runs in it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.template.test_copier_copy import ANSWERS, BIN, ROOT, _ok
from tools.make_it_yours import main

GIT = ["git", "-c", "user.name=Template Test", "-c", "user.email=test@example.com"]
CONFLICT = "<<<<<<< before updating"
HISTORY = "Forked from the Portico template: PORTICO_* settings are MYSHOP_* here.\n"
# (file, old, new): the v2 change. Each `old` must be in v1, or the fixture says which is not.
V2 = [
    ("docs/architecture.md", "# Architecture\n", "# Architecture, layer by layer\n"),
    ("docs/start-here.md", "# Start here: ", "# Start here, v2: "),
    ("src/entrypoints/modules.py", '"""The one list of', '"""The one and only list of'),
    ("src/entrypoints/cli/main.py", 'description="Portico: ', 'description="Portico, v2: '),
    ("src/domain/ordering/__init__.py", "", "# The ordering context (v2).\n"),
]


def _git(cwd: Path, *args: str) -> str:
    return _ok(cwd, *GIT, *args)


def _template(root: Path) -> Path:
    """A git repository of this working tree, tagged v1, and v2 = v1 plus the change V2."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name, follow_symlinks=False)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "v1")
    _git(root, "tag", "v1")
    for name, old, new in V2:
        text = (root / name).read_text()
        assert old in text, f"{name} no longer holds {old!r}: choose another line for v2"
        (root / name).write_text(text.replace(old, new, 1))
    _git(root, "commit", "-q", "-a", "-m", "v2")
    _git(root, "tag", "v2")
    return root


def _markers(project: Path) -> set[str]:
    tracked = _git(project, "ls-files").splitlines()
    return {
        name
        for name in tracked
        if (project / name).is_file() and CONFLICT in (project / name).read_text(errors="replace")
    }


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project after the update, and the commit it was made from (v1 + its own work)."""
    template = _template(tmp_path_factory.mktemp("template"))
    project = tmp_path_factory.mktemp("project") / "myshop"
    copier = str(BIN / "copier")
    options = ["--trust", "--defaults", "--quiet"]
    answers = ["--data=project_name=Myshop", "--data=contexts=[catalog]"]
    _ok(ROOT, copier, "copy", *options, "--vcs-ref=v1", *answers, str(template), str(project))
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "Generated from the template, v1")

    myshop = [str(BIN / "python"), "-m", "entrypoints.cli.main"]
    fields = ["--field", "title:str", "--field", "price:money", "--field", "due:date?"]
    _ok(project, *myshop, "scaffold", "context", "shipment", *fields)
    (project / "docs" / "history.md").write_text(HISTORY)
    page = project / "docs" / "architecture.md"
    page.write_text(page.read_text().replace("# Architecture\n", "# How Myshop is built\n", 1))
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "A shipment context, our history, our title")
    ours = _git(project, "rev-parse", "HEAD").strip()

    _ok(project, copier, "update", *options, "--vcs-ref=v2")
    return project, ours


@pytest.mark.slow
def test_the_template_change_arrives_renamed(updated: tuple[Path, str]) -> None:
    project, _ = updated
    assert "_commit: v2\n" in (project / ANSWERS).read_text()
    main_py = (project / "src/entrypoints/cli/main.py").read_text()
    assert 'description="Myshop, v2: ' in main_py
    modules = (project / "src/entrypoints/modules.py").read_text()
    assert modules.startswith('"""The one and only list of')
    assert '    "shipment",\n' in modules
    assert (project / "docs/start-here.md").read_text().startswith("# Start here, v2: ")
    # What the project left out, and what belongs to the template only, stay out.
    for absent in ("src/domain/ordering", "tools/make_it_yours.py", "docs/template.md"):
        assert not (project / absent).exists(), absent


@pytest.mark.slow
def test_only_what_the_template_changed_changes(updated: tuple[Path, str]) -> None:
    project, ours = updated
    changed = _git(project, "diff", "--name-only", ours).split()
    assert sorted(changed) == [
        ANSWERS,
        "docs/architecture.md",
        "docs/start-here.md",
        "src/entrypoints/cli/main.py",
        "src/entrypoints/modules.py",
    ]
    # The scaffolded context, and a page of the project's own that names the template, are
    # the project's: the update's renaming step leaves them alone.
    assert (project / "docs/history.md").read_text() == HISTORY
    assert _git(project, "status", "--porcelain", "--untracked-files=all").count("??") == 0


@pytest.mark.slow
def test_a_conflict_only_where_both_sides_changed_the_same_line(
    updated: tuple[Path, str],
) -> None:
    project, _ = updated
    assert _markers(project) == {"docs/architecture.md"}
    page = (project / "docs/architecture.md").read_text()
    assert re.search(
        r"<<<<<<< before updating\n# How Myshop is built\n=======\n"
        r"# Architecture, layer by layer\n>>>>>>> after updating\n",
        page,
    )
    # Git records it as a conflict, so `git status` shows it and a commit needs it resolved.
    assert "UU docs/architecture.md" in _git(project, "status", "--porcelain")


@pytest.mark.slow
def test_the_updated_project_passes_its_checks_and_its_context_tests(
    updated: tuple[Path, str],
) -> None:
    project, _ = updated
    page = project / "docs/architecture.md"
    resolved = re.sub(
        r"<<<<<<< .*?>>>>>>> after updating\n",
        "# How Myshop is built\n",
        page.read_text(),
        flags=re.DOTALL,
    )
    page.write_text(resolved)
    paths = ("src", "tests", "migrations", "bench", "tools")
    _ok(project, str(BIN / "ruff"), "check", *paths)
    _ok(project, str(BIN / "ruff"), "format", "--check", *paths)
    _ok(project, str(BIN / "lint-imports"), "--no-cache")
    (project / "var").mkdir(exist_ok=True)
    out = _ok(
        project,
        str(BIN / "pytest"),
        *(f"tests/{tier}/shipment" for tier in ("unit", "application", "contract", "api")),
        "tests/architecture",
        "-q",
        "-p",
        "no:cacheprovider",
        "--deselect=tests/architecture/test_remove_context.py",
        "--deselect=tests/architecture/test_scaffold.py",
        "-m",
        "not postgres and not mariadb and not redis and not nats",
    )
    assert " passed" in out
    assert "failed" not in out


def test_the_renaming_leaves_the_project_s_own_files_alone(tmp_path: Path) -> None:
    # On `copier update` the step runs in the project, over freshly copied template files and
    # the project's own: --template names the template's copy, whose files alone are renamed.
    template, project = tmp_path / "template", tmp_path / "project"
    for root in (template, project):
        (root / "docs").mkdir(parents=True)
        (root / "docs" / "start.md").write_text("# Portico\n")
        (root / "pyproject.toml").write_text('[project]\nname = "portico"\n')
    (template / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ answers }}\n")
    (project / "docs" / "history.md").write_text(HISTORY)
    (project / ANSWERS).write_text("_src_path: /templates/portico\n")
    step = ["--root", str(project), "--name", "Myshop", "--contexts", "catalog,ordering"]
    assert main([*step, f"--keep={ANSWERS}", "--template", str(template)]) == 0
    assert (project / "docs" / "start.md").read_text() == "# Myshop\n"
    assert (project / "docs" / "history.md").read_text() == HISTORY
    assert (project / ANSWERS).read_text() == "_src_path: /templates/portico\n"
    # The project's pyproject.toml is the template's (renamed), not one of the project's own.
    assert 'name = "myshop"' in (project / "pyproject.toml").read_text()
