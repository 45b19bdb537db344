"""entrypoints/hidden_imports.py: a module hidden while a library is imported, and only then."""

from __future__ import annotations

import importlib
import sys

import pytest

from entrypoints.hidden_imports import hidden


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
