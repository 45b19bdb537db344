"""Schemathesis' pytest plugin, loaded only where it is used: pyproject.toml turns off its
automatic loading (`-p no:schemathesis`), since importing it is ~1 s of CPU in every pytest
process, and most never collect this folder (the xdist controller, `make test-fast`, the
remove-context fork's other folders, the scaffold's run)."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Called as this conftest is imported, before this folder's modules are collected (pytest
    # calls pytest_configure for a conftest loaded during collection); the plugin's own
    # pytest_configure runs as it is registered.
    if not config.pluginmanager.has_plugin("schemathesis.pytest.plugin"):
        config.pluginmanager.import_plugin("schemathesis.pytest.plugin")
