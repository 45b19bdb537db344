"""Templates are package data (templates/*.tmpl) filled by string.Template: `$name`, `$$` for $."""

from __future__ import annotations

from importlib import resources
from string import Template


def render(template: str, values: dict[str, str]) -> str:
    text = (resources.files("entrypoints.cli.scaffold") / "templates" / template).read_text()
    return Template(text).substitute(values)


def indent(lines: list[str], spaces: int) -> str:
    """Lines joined to fill a placeholder that sits at `spaces` of indentation."""
    pad = " " * spaces
    return ("\n" + pad).join(lines)
