"""The one list of bounded contexts. Removing a context: delete its folders and its line here.

Order matters only for `Module.needs`: a context comes after the contexts it needs.
"""

from __future__ import annotations

import importlib
from functools import cache

from entrypoints.module import Module

CONTEXTS = (
    "identity",
    "catalog",
    "notifications",
    "ordering",
    "audit",
    "organisations",
)


def unsupported_store(persistence: str, modules: tuple[Module, ...]) -> str | None:
    """Why `persistence` cannot hold every context's state (one line), or None."""
    for module in modules:
        if module.stores is not None and persistence not in module.stores:
            return (
                f"PORTICO_PERSISTENCE={persistence}: the {module.name} context keeps its state in "
                f"{' or '.join(module.stores)} only (choose one of those, or remove the context: "
                f"python -m tools.contexts {module.name})"
            )
    return None


@cache
def load_modules() -> tuple[Module, ...]:
    """Each context's `entrypoints/<name>/module.py` declares `MODULE`."""
    found: list[Module] = []
    for name in CONTEXTS:
        module = importlib.import_module(f"entrypoints.{name}.module").MODULE
        if not isinstance(module, Module) or module.name != name:
            raise TypeError(
                f"entrypoints/{name}/module.py must declare MODULE = Module(name={name!r})"
            )
        found.append(module)
    return tuple(found)
