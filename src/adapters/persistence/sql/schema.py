"""The whole SQL schema: the platform's tables and every context's `adapters/<context>/tables.py`.

Contexts are found, not listed, so removing one is deleting its folders (and a migration that
drops its tables). Migrations and tests that create every table import `metadata` from here.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from sqlalchemy import MetaData

import adapters
from adapters.persistence.sql.tables import metadata as _shared


def full_metadata() -> MetaData:
    for package in pkgutil.iter_modules(adapters.__path__):
        name = f"adapters.{package.name}.tables"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return _shared


metadata = full_metadata()
