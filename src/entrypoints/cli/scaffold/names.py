"""The names a new context derives from its one name, and the checks that it is free."""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from entrypoints.cli.scaffold.errors import ScaffoldError
from entrypoints.cli.scaffold.fields import check_identifier
from entrypoints.cli.scaffold.seeding import seed_flags

# The contexts contract finds contexts as entrypoints.<[a-z_]+>.module: no digits.
_CONTEXT = re.compile(r"[a-z](?:[a-z_]*[a-z])?")
_LAYERS = ("domain", "application", "adapters", "entrypoints")


@dataclass(frozen=True, slots=True)
class Names:
    """`shipment` -> Shipment, shipments, SHIPMENT_WRITE, "shipment:write", ..."""

    context: str
    plural: str

    @property
    def aggregate(self) -> str:
        return "".join(part.capitalize() for part in self.context.split("_"))

    @property
    def id(self) -> str:
        return f"{self.context}_id"

    @property
    def url(self) -> str:
        return "/api/v1/" + self.plural.replace("_", "-")

    @property
    def permission(self) -> str:
        return f"{self.context.upper()}_WRITE"

    @property
    def camel_plural(self) -> str:
        return "".join(part.capitalize() for part in self.plural.split("_"))


def plural_of(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def context_names(name: str, plural: str | None, root: Path) -> Names:
    check_identifier(name, "context")
    if not _CONTEXT.fullmatch(name):
        raise ScaffoldError(f"context name {name!r} must be lowercase letters and underscores")
    taken = existing_contexts(root)
    if name in taken:
        raise ScaffoldError(f"context {name!r} already exists")
    # A context's packages are domain.<name> and so on; a top-level module of the same name
    # (standard library, an installed distribution, a layer) only invites a wrong import.
    top_level = name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None
    if top_level or name in _LAYERS or name in {"tests", "migrations"}:
        raise ScaffoldError(f"context name {name!r} clashes with a top-level module of that name")
    for layer in _LAYERS:
        if (root / "src" / layer / name).exists() or (root / "src" / layer / f"{name}.py").exists():
            raise ScaffoldError(f"context name {name!r} clashes with src/{layer}/{name}")
    chosen = plural or plural_of(name)
    check_identifier(chosen, "plural")
    if chosen == name:
        raise ScaffoldError(f"the plural of {name!r} must differ from it (give --plural)")
    if chosen in seed_flags(root):  # the count of `portico seed --<plural> N`
        raise ScaffoldError(f"portico seed has a --{chosen} already: give another --plural")
    return Names(name, chosen)


def existing_contexts(root: Path) -> set[str]:
    return {path.parent.name for path in (root / "src" / "entrypoints").glob("*/module.py")}
