"""No locked or installed distribution but ours provides domain, application, adapters or
entrypoints (tests/architecture/layer_names.py says why)."""

from __future__ import annotations

import tomllib
from importlib.metadata import Distribution, distributions
from pathlib import Path

from tests.architecture.layer_names import installed_offenders, locked_offenders

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]


class Crafted(Distribution):
    """A distribution made of its metadata files' texts, read as an installed one is."""

    def __init__(self, **files: str) -> None:
        self._files = files

    def read_text(self, filename: str) -> str | None:
        return self._files.get(filename.replace(".", "_"))

    def locate_file(self, path: str | object) -> Path:
        return Path("/nowhere") / str(path)


def metadata(name: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"


def test_uv_lock_holds_no_distribution_named_like_a_layer() -> None:
    assert locked_offenders((ROOT / "uv.lock").read_text(), PROJECT) == []


def test_no_installed_distribution_but_ours_provides_a_layer() -> None:
    assert installed_offenders(distributions(), PROJECT) == []


LOCK = """
version = 1
[[package]]
name = "portico"
version = "0.1.0"
[[package]]
name = "Entrypoints"
version = "0.4"
[[package]]
name = "adapters"
version = "0.1"
[[package]]
name = "domain-tools"
version = "2.0"
"""


def test_the_lock_check_finds_a_layer_name_in_any_spelling_but_not_the_project() -> None:
    assert locked_offenders(LOCK, "portico") == ["Entrypoints", "adapters"]


def test_the_installed_check_reads_record_and_top_level_txt() -> None:
    sample = [
        Crafted(METADATA=metadata("portico"), RECORD="_portico.pth,,\n"),
        Crafted(  # a package directory in its RECORD
            METADATA=metadata("shadowing-adapters"),
            RECORD="adapters/__init__.py,,\nadapters/x.py,,\n"
            "shadowing_adapters-1.0.dist-info/RECORD,,\n../../../bin/tool,,\n",
        ),
        Crafted(METADATA=metadata("entrypoints"), RECORD="entrypoints.py,,\n"),  # one module
        Crafted(METADATA=metadata("old-style"), top_level_txt="domain\nother\n"),
        Crafted(METADATA=metadata("innocent"), RECORD="domain_tools/__init__.py,,\n"),
        # The project under another name is still a third party.
        Crafted(METADATA=metadata("application"), RECORD="application/__init__.py,,\n"),
    ]
    assert installed_offenders(sample, "portico") == [
        "application provides application",
        "entrypoints provides entrypoints",
        "old-style provides domain",
        "shadowing-adapters provides adapters",
    ]
