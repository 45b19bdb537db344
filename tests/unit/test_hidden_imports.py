"""entrypoints/hidden_imports.py: a module hidden while a library is imported, and only then; a
module run when a name is first asked of it."""

from __future__ import annotations

import importlib
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from entrypoints.hidden_imports import OnFirstUse, hidden


def test_a_hidden_module_cannot_be_imported_inside_and_can_be_after() -> None:
    sys.modules.pop("colorsys", None)
    with hidden("colorsys"), pytest.raises(ImportError):
        importlib.import_module("colorsys")
    assert importlib.import_module("colorsys").__name__ == "colorsys"


def test_a_module_already_imported_is_not_hidden() -> None:
    imported = importlib.import_module("colorsys")
    with hidden("colorsys"):
        assert importlib.import_module("colorsys") is imported
    assert sys.modules["colorsys"] is imported


def test_a_module_hidden_even_if_imported_is_put_back_after() -> None:
    imported = importlib.import_module("colorsys")
    with hidden("colorsys", even_if_imported=True), pytest.raises(ImportError):
        importlib.import_module("colorsys")
    assert sys.modules["colorsys"] is imported


RUNS = "portico_test_runs"  # a module the one under test counts its runs in


@pytest.fixture
def lazy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a module that counts its runs (`runs`), set to run on first use."""
    name = f"portico_on_first_use_{tmp_path.name}"
    (tmp_path / f"{name}.py").write_text(
        f"import {RUNS}\n{RUNS}.count += 1\n\ndef answer():\n    return 42\n"
    )
    counter = types.ModuleType(RUNS)
    counter.count = 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, RUNS, counter)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    OnFirstUse(name).install()
    return name


def runs() -> int:
    return int(sys.modules[RUNS].count)  # type: ignore[attr-defined]


def test_a_module_on_first_use_runs_when_a_name_is_first_asked_of_it(lazy: str) -> None:
    module = importlib.import_module(lazy)
    again = importlib.import_module(lazy)  # a second `import` reads __spec__: still not run
    assert again is module
    assert module.__spec__ is not None
    assert runs() == 0
    assert module.answer() == 42
    assert runs() == 1
    assert importlib.import_module(lazy).answer() == 42
    assert runs() == 1
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        module.missing  # noqa: B018
    assert runs() == 1


def test_from_a_module_on_first_use_runs_it(
    lazy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    importlib.import_module(lazy)
    (tmp_path / f"{lazy}_user.py").write_text(f"from {lazy} import answer\n")
    monkeypatch.delitem(sys.modules, f"{lazy}_user", raising=False)
    assert runs() == 0
    assert importlib.import_module(f"{lazy}_user").answer() == 42
    assert runs() == 1


def test_threads_asking_at_once_run_the_module_once(lazy: str) -> None:
    module = importlib.import_module(lazy)
    with ThreadPoolExecutor(8) as threads:
        answers = list(threads.map(lambda _: module.answer(), range(32)))
    assert answers == [42] * 32
    assert runs() == 1
