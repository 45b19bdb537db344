"""The rename-and-prune step of the Copier template (tools/make_it_yours.py, tools/contexts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
