"""Templates are package data (templates/*.tmpl) filled by string.Template: `$name`, `$$` for $.

Names are filled into docstrings and comments, so those are rewrapped to the line length after.
"""

from __future__ import annotations

import textwrap
from importlib import resources
from string import Template

LINE_LENGTH = 100  # pyproject.toml, tool.ruff


def render(template: str, values: dict[str, str]) -> str:
    text = (resources.files("entrypoints.cli.scaffold") / "templates" / template).read_text()
    return "\n".join(_wrap(line) for line in Template(text).substitute(values).split("\n"))


def indent(lines: list[str], spaces: int) -> str:
    """Lines joined to fill a placeholder that sits at `spaces` of indentation."""
    pad = " " * spaces
    return ("\n" + pad).join(lines)


def _wrap(line: str) -> str:
    """A too-long comment or docstring line, wrapped (ruff format leaves those to us)."""
    if len(line) <= LINE_LENGTH:
        return line
    body = line.lstrip()
    pad = line[: len(line) - len(body)]
    if body.startswith("# "):
        return "\n".join(
            textwrap.wrap(
                body[2:], LINE_LENGTH, initial_indent=pad + "# ", subsequent_indent=pad + "# "
            )
        )
    if body.startswith('"""'):
        closed = body.endswith('"""') and len(body) > 6
        words = body[3:-3] if closed else body[3:]
        lines = textwrap.wrap(
            words, LINE_LENGTH - 3, initial_indent=pad + '"""', subsequent_indent=pad
        )
        if closed:
            lines[-1] += '"""' if len(lines[-1]) + 3 <= LINE_LENGTH else f'\n{pad}"""'
        return "\n".join(lines)
    return line
