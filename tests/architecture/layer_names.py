"""Which third-party distributions would shadow our layer packages.

The layers are top-level packages with generic names (domain, application, adapters,
entrypoints), and PyPI has projects that install some of them (`entrypoints`, `adapters`): in a
shared environment, whichever is first on sys.path wins. The project runs in its own virtualenv
or image; these checks keep such a distribution out of it. uv.lock names what is locked; only an
installed distribution's top_level.txt or RECORD says which top-level modules it brings.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib.metadata import Distribution

LAYERS = frozenset({"domain", "application", "adapters", "entrypoints"})


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_offenders(lock_text: str, project: str) -> list[str]:
    """Locked distributions, other than the project, named like a layer (PyPI's `entrypoints`,
    `adapters`, ...): by name, since the lock does not say what a wheel holds."""
    packages = tomllib.loads(lock_text).get("package", [])
    return sorted(
        package["name"]
        for package in packages
        if canonical(package["name"]) in LAYERS and canonical(package["name"]) != canonical(project)
    )


def top_level_names(distribution: Distribution) -> set[str]:
    """The top-level modules and packages a distribution installs."""
    declared = distribution.read_text("top_level.txt")
    names = {line.strip() for line in (declared or "").splitlines() if line.strip()}
    for path in distribution.files or ():
        first = path.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".data", ".pth")):
            continue
        names.add(first.split(".", 1)[0] if len(path.parts) == 1 else first)
    return names


def installed_offenders(distributions: Iterable[Distribution], project: str) -> list[str]:
    """'name provides layer' for each distribution other than the project installing a layer."""
    found = []
    for distribution in distributions:
        name = distribution.metadata["Name"] or "?"
        if canonical(name) == canonical(project):
            continue
        found += [
            f"{name} provides {layer}" for layer in sorted(top_level_names(distribution) & LAYERS)
        ]
    return sorted(found)
