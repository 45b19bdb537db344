"""The two lines a new context adds to existing files: its name in entrypoints/modules.py
CONTEXTS, and its write permission in domain/identity/roles.py (granted to staff; admins have all).
"""

from __future__ import annotations

from pathlib import Path

from entrypoints.cli.scaffold.errors import ScaffoldError
from entrypoints.cli.scaffold.names import Names

MODULES = "src/entrypoints/modules.py"
ROLES = "src/domain/identity/roles.py"


def registrations(root: Path, names: Names) -> dict[str, str]:
    return {
        MODULES: _add_context(_read(root, MODULES), names.context),
        ROLES: _add_permission(_read(root, ROLES), names),
    }


def _read(root: Path, path: str) -> str:
    try:
        return (root / path).read_text()
    except FileNotFoundError:
        raise ScaffoldError(f"{path} is missing: is {root} a Portico project?") from None


def _add_context(text: str, context: str) -> str:
    start = text.find("CONTEXTS = (\n")
    end = text.find("\n)", start)
    if start < 0 or end < 0:
        raise ScaffoldError(f"{MODULES} has no CONTEXTS = (...) to add {context!r} to")
    return text[:end] + f'\n    "{context}",' + text[end:]


def _add_permission(text: str, names: Names) -> str:
    member = f'    {names.permission} = "{names.context}:write"\n'
    if member in text:
        return text
    start = text.find("class Permission(StrEnum):\n")
    staff = text.find("_STAFF = _CUSTOMER | {\n")
    if start < 0 or staff < 0:
        raise ScaffoldError(f"{ROLES} has no Permission enum or _STAFF set to add a permission to")
    # The enum ends at its first blank line followed by unindented code.
    end = text.find("\n\n\n", start)
    text = text[: end + 1] + member + text[end + 1 :]
    staff = text.find("_STAFF = _CUSTOMER | {\n") + len("_STAFF = _CUSTOMER | {\n")
    return text[:staff] + f"    Permission.{names.permission},\n" + text[staff:]
