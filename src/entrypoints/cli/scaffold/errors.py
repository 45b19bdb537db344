"""The one error of the scaffolder: bad input, said in one line (the CLI exits 2 on it)."""

from __future__ import annotations


class ScaffoldError(ValueError):
    """Raised before anything is written; its message is the one line the user sees."""
