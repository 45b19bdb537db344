"""The rename-and-prune step of the Copier template (tools/make_it_yours.py, tools/contexts.py)."""

from __future__ import annotations

import ast
import functools
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest
import sqlalchemy
import yaml
from alembic import command
from alembic.config import Config

from entrypoints.settings.variables import VARIABLES
from tools.adapter_table import ADAPTERS, Adapter
from tools.adapters import NAMES as ADAPTER_NAMES
from tools.adapters import (
    SELF,
    SKIP_DIRS,
    AdapterError,
    check_adapters,
    remove_adapters,
    squash_migrations,
    tags_in,
    untag,
)
from tools.make_it_yours import (
    Names,
    Refused,
    check_contexts,
    main,
    rename_text,
    widen_for_long_names,
)


def test_every_spelling_derives_from_the_name() -> None:
    names = Names.of("My  Shop-2")
    assert names == Names(display="My Shop-2", slug="myshop2", env="MYSHOP2", header="My-Shop-2")


@pytest.mark.parametrize("name", ["", "2shop", "my_shop", 'Bad"quote', "shop.io"])
def test_a_name_that_would_not_make_identifiers_is_refused(name: str) -> None:
    with pytest.raises(Refused, match="project name"):
        Names.of(name)


def test_the_substitutions_keep_each_spelling_apart() -> None:
    names = Names.of("My Shop")
    text = (
        'SIGNATURE_HEADER = "Portico-Signature"\n'
        'env = {"PORTICO_DATABASE_URL": "sqlite+aiosqlite:///var/portico.db"}\n'
        'title = "Portico API"\n'
        'logger = get_logger("portico.worker")\n'
        "def run_portico() -> None: ...\n"
    )
    assert rename_text(text, names) == (
        'SIGNATURE_HEADER = "My-Shop-Signature"\n'
        'env = {"MYSHOP_DATABASE_URL": "sqlite+aiosqlite:///var/myshop.db"}\n'
        'title = "My Shop API"\n'
        'logger = get_logger("myshop.worker")\n'
        "def run_myshop() -> None: ...\n"
    )
    assert rename_text(rename_text(text, names), names) == rename_text(text, names)


def test_ordering_without_catalog_is_refused() -> None:
    assert check_contexts(["catalog", "ordering"]) == ("catalog", "ordering")
    assert check_contexts([""]) == ()
    with pytest.raises(Refused, match="ordering needs catalog"):
        check_contexts(["ordering"])
    with pytest.raises(Refused, match="unknown context 'billing'"):
        check_contexts(["catalog", "billing"])


def test_a_bad_answer_says_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "README.md").write_text("# Portico\n")
    code = main(["--root", str(tmp_path), "--name", "Shop", "--contexts", "ordering"])
    assert code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
    assert (tmp_path / "README.md").read_text() == "# Portico\n"


def test_a_name_that_is_a_package_of_the_project_is_refused() -> None:
    with pytest.raises(Refused, match="domain is already a package"):
        Names.of("Domain")


PYPROJECT = (
    '[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint.per-file-ignores]\n"tests/**" = ["S"]\n'
)


def test_a_long_name_raises_the_line_limit_to_its_longest_renamed_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    names = Names.of("Acme Warehouse")
    line = f'"""`{names.slug} serve`: {"x" * 96}"""'
    (tmp_path / "serve.py").write_text(f"{line}\nOTHER = '{'y' * 120}'\n")

    assert widen_for_long_names(tmp_path, names) == len(line)
    widened = (tmp_path / "pyproject.toml").read_text()
    assert f"[tool.ruff.lint.pycodestyle]\nmax-line-length = {len(line)}\n" in widened
    assert widen_for_long_names(tmp_path, names) == len(line)
    assert (tmp_path / "pyproject.toml").read_text() == widened

    (tmp_path / "serve.py").write_text(f'"""`{names.slug} serve`."""\n')
    assert widen_for_long_names(tmp_path, names) is None
    assert (tmp_path / "pyproject.toml").read_text() == PYPROJECT


# The adapters to ship (tools/adapters.py) --------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# What pruning an adapter reads and edits: copied for each test, in well under a second.
TREE = ("src", "tests", "migrations", "bench", "docs", "deploy", ".github", "tools")
FILES = ("README.md", ".env.example", "pyproject.toml", "compose.yaml", "Makefile")


def _copy(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
    for name in TREE:
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in FILES:
        shutil.copy2(ROOT / name, target / name)
    return target


def _tagged_files() -> list[Path]:
    found = []
    # A walk that never enters the skipped folders: .venv and node_modules alone are ~38,000
    # entries that rglob("*") listed to drop (~0.6 s of this test's ~0.9 s of CPU).
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIP_DIRS]
        for name in files:
            path = Path(folder, name)
            if name in SKIP_DIRS or path.relative_to(ROOT) in SELF or not path.is_file():
                continue
            try:
                if tags_in(path.read_text(encoding="utf-8")):
                    found.append(path)
            except UnicodeDecodeError:
                continue
    return found


def _imports(root: Path) -> set[str]:
    modules: set[str] = set()
    for path in root.rglob("*.py"):
        modules |= _imports_in(path.read_text(encoding="utf-8"))
    return modules


# By the text: a pruning leaves most files as they were, so each parametrized pruning parses only
# what it changed (parsing and walking ~800 files was ~80 % of each test's CPU).
@functools.cache
def _imports_in(text: str) -> frozenset[str]:
    modules = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
    return frozenset(modules)


def _module_of(relative: str) -> str | None:
    if not relative.endswith(".py"):
        return None
    parts = Path(relative).with_suffix("").parts
    return ".".join(parts[1:] if parts[0] == "src" else parts)


def test_every_tag_names_an_adapter_and_every_removal_still_parses() -> None:
    tagged = _tagged_files()
    assert len(tagged) > 5
    for path in tagged:
        text = path.read_text(encoding="utf-8")
        assert tags_in(text) <= set(ADAPTER_NAMES), path
        for name in tags_in(text):
            # A tag on a line that a formatter split would leave half a statement behind.
            for gone in ({name}, set()):
                pruned = untag(text, gone, str(path))
                if path.suffix == ".py":
                    ast.parse(pruned, str(path))
                elif path.suffix == ".toml":
                    tomllib.loads(pruned)
                elif path.suffix in (".yml", ".yaml"):
                    list(yaml.safe_load_all(pruned))
                assert "[adapter:" not in pruned, path


def test_an_unknown_or_incomplete_answer_is_refused() -> None:
    assert check_adapters(["http-payments", "", "webhook"]) == ("webhook", "http-payments")
    with pytest.raises(AdapterError, match="unknown adapter 'kafka'"):
        check_adapters(["kafka"])
    with pytest.raises(AdapterError, match="has no end"):
        untag("a\n# [adapter:webhook begin]\nb\n", {"webhook"}, "x")


def test_a_kept_adapter_keeps_its_lines_without_their_tags() -> None:
    text = (
        "backend: Literal[\n"
        '    "log",\n'
        '    "webhook",  # [adapter:webhook]\n'
        "]\n"
        "<!-- [adapter:webhook begin] -->\n"
        "| `PORTICO_NOTIFIER_WEBHOOK_URL` | row |\n"
        "<!-- [adapter:webhook end] -->\n"
    )
    assert untag(text, set()) == (
        'backend: Literal[\n    "log",\n    "webhook",\n]\n'
        "| `PORTICO_NOTIFIER_WEBHOOK_URL` | row |\n"
    )
    assert untag(text, {"webhook"}) == 'backend: Literal[\n    "log",\n]\n'


def test_a_services_key_left_empty_goes(tmp_path: Path) -> None:
    workflow = tmp_path / ".github/workflows/ci.yml"
    workflow.parent.mkdir(parents=True)
    tag = "# [adapter:" + "nats]"  # spelled apart: the template's tag scanner reads this file
    workflow.write_text(
        f"jobs:\n  test:\n    services:\n      nats:  {tag}\n        image: nats  {tag}\n"
        "    steps:\n      - run: make test\n"
    )

    remove_adapters(tmp_path, [name for name in ADAPTER_NAMES if name != "nats"])

    assert workflow.read_text() == "jobs:\n  test:\n    steps:\n      - run: make test\n"


@pytest.mark.parametrize(
    ("kept", "stays"), [(("mariadb",), True), (("postgresql",), True), ((), False)]
)
def test_a_file_that_needs_either_engine_goes_with_the_last(
    kept: tuple[str, ...], stays: bool, tmp_path: Path
) -> None:
    outages = tmp_path / "tests/api/catalog/test_database_outages.py"
    outages.parent.mkdir(parents=True)
    outages.write_text("ENGINES = []\n")

    remove_adapters(tmp_path, kept)

    assert outages.exists() == stays


def test_a_line_that_needs_two_adapters_goes_with_either() -> None:
    text = "soak: install  # [adapter:nats,postgresql]\nhelp:\n"
    assert untag(text, set()) == "soak: install\nhelp:\n"
    assert untag(text, {"nats"}) == "help:\n"
    assert untag(text, {"postgresql"}) == "help:\n"
    assert tags_in(text) == {"nats", "postgresql"}


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.name)
def test_pruning_an_adapter_leaves_nothing_of_it(adapter: Adapter, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    remove_adapters(root, [a.name for a in ADAPTERS if a is not adapter])

    for relative in adapter.paths:
        assert not (root / relative).exists(), relative
    gone = {module for module in map(_module_of, adapter.paths) if module}
    assert not {m for m in _imports(root) if m in gone or m.rsplit(".", 1)[0] in gone}
    texts = {
        path: path.read_text(encoding="utf-8")
        for path in [root / "README.md", root / ".env.example", *root.rglob("*.py")]
    }
    for path, text in texts.items():
        if path.relative_to(root) in SELF:
            continue
        assert "[adapter:" not in text, path
        for variable in adapter.variables:
            assert variable not in text, (path, variable)
    variable, value = adapter.selects
    key = VARIABLES[variable]
    if value.endswith("://"):
        # An engine: its schemes leave the map that gives each its async driver.
        engines = (root / "src/adapters/persistence/sql/engine.py").read_text()
        assert f'"{value[:-3]}"' not in engines
        assert f'"{value[:-3]}' not in (root / "tests/support/servers.py").read_text()
    else:
        groups = (root / "src/entrypoints/settings/groups.py").read_text()
        assert f'"{value}",' not in groups.split(f"class {key.split('.')[0].title()}", 1)[-1][:400]
    # By name: a pytest marker or an import-linter contract may name the module ("redis").
    required = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0] for requirement in required}
    assert not names & set(adapter.dependencies)
    # The others stay, tags stripped.
    for other in ADAPTERS:
        if other is not adapter:
            kept = set(other.paths) - set(adapter.paths)  # a test may need both
            assert all((root / relative).exists() for relative in kept)


def test_the_migration_history_becomes_one_revision_that_builds_the_same_schema(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "migrations", root / "migrations")
    squashed = squash_migrations(root)
    assert squashed is not None
    assert [p.name for p in (root / "migrations/versions").glob("*.py")] == ["0001_initial.py"]
    assert squash_migrations(root) is None  # already one: nothing to do

    def schema(migrations: Path, name: str) -> set[str]:
        url = f"sqlite+aiosqlite:///{tmp_path / name}"
        config = Config()
        config.set_main_option("script_location", str(migrations))
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")
        engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / name}")
        try:
            inspector = sqlalchemy.inspect(engine)
            tables = set(inspector.get_table_names())
            return (
                tables
                | {
                    f"{table}:{column['name']}:{column['type']}"
                    for table in tables
                    if table != "alembic_version"
                    for column in inspector.get_columns(table)
                }
                | {
                    f"{table}.{index['name']}"
                    for table in tables
                    for index in inspector.get_indexes(table)
                }
            )
        finally:
            engine.dispose()

    assert schema(root / "migrations", "squashed.db") == schema(ROOT / "migrations", "full.db")
    config = Config()
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{tmp_path / 'squashed.db'}")
    command.downgrade(config, "base")
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'squashed.db'}")
    assert set(sqlalchemy.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_the_copier_question_offers_exactly_the_adapters_described() -> None:
    question = yaml.safe_load((ROOT / "copier.yml").read_text())["adapters"]
    assert sorted(question["choices"].values()) == sorted(ADAPTER_NAMES)
    assert question["default"] == list(ADAPTER_NAMES)
