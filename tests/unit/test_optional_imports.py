"""What is off costs nothing: an app built with tracing and error tracking off (the defaults)
never imports the OpenTelemetry SDK's exporter and instrumentations, nor Sentry's SDK; nor rich
(structlog's console tracebacks) nor SQLAlchemy's MariaDB dialect unless they are used; nor what
a server seldom runs: pdb, PyYAML, the CLI's argparse, the PostgreSQL dialects of drivers not in
use (entrypoints/unused_imports.py)."""

import json
import os
import subprocess
import sys
from typing import Any

import pytest

WATCHED = (
    "sentry_sdk",
    "opentelemetry.exporter",
    "opentelemetry.instrumentation.sqlalchemy",
    "opentelemetry.instrumentation.asyncpg",  # [adapter:postgresql]
    "opentelemetry.sdk.trace",
    "opentelemetry.instrumentation.asgi",  # Litestar's plugin, hidden with tracing off
    "entrypoints.otel",
    "rich",  # structlog imports it for the console format (entrypoints/__init__.py)
    "sqlalchemy.dialects.mysql",  # [adapter:mariadb]
    "bdb",  # pdb's: `pdb` is there, not run
    "yaml.",  # PyYAML's modules: `yaml` is there, not run
    "argparse",
    "entrypoints.identity.cli",
)


def printed(code: str, **environment: str) -> str:
    """What a new interpreter running `code` printed, once it has ended well: with none of the
    PORTICO_ and OTEL_ variables of this process, only `environment`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "OTEL_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**env, **environment}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# The probes that start from an app built on the defaults share one interpreter (~1 s of CPU
# each): each step reports one JSON line, in an order where no step changes what a later one
# checks (what is imported first, what runs on first use next, the later imports last, and last
# an app with tracing on, whose own imports are what it adds to the tracing-off app's).
AFTER_AN_APP = """
import json, sys
def report(step, value):
    print(json.dumps([step, value]), flush=True)
from entrypoints.http.app import create_app
app = create_app()
report("imported", sorted(m for m in sys.modules if m.startswith(WATCHED)))
report("yaml or bdb run", ["yaml.constructor" in sys.modules, "bdb" in sys.modules])
"""
# [adapter:postgresql begin]
# SQLAlchemy's PostgreSQL package imports every driver's dialect; asyncpg's runs, and psycopg's
# (the package's default), the others are in sys.modules unrun until their dialect is asked for.
AFTER_AN_APP += """
import sqlalchemy.dialects.postgresql.asyncpg
drivers = ("pg8000", "psycopg2", "psycopg2cffi", "psycopg", "asyncpg")
modules = [sys.modules[f"sqlalchemy.dialects.postgresql.{d}"] for d in drivers]
report("dialects run", ["dialect" in vars(module) for module in modules])
from sqlalchemy.engine import make_url  # as create_engine finds a URL's dialect
urls = ("postgresql+psycopg2cffi://", "postgresql+pg8000://")
report("dialects asked", [make_url(url).get_dialect().driver for url in urls])
"""
# [adapter:postgresql end]
AFTER_AN_APP += """
import yaml
import pdb
from dependency_injector import providers
report("yaml", yaml.safe_dump({"openapi": "3.1.0"}).strip())
report("the debugger is pdb", app.debugger_module.post_mortem is pdb.post_mortem)
report("providers.yaml", providers.yaml)
import os
os.environ["PORTICO_OTEL_ENABLED"] = "true"
before = set(sys.modules)
create_app()  # imports entrypoints.otel and Litestar's plugin, hidden while the first was built
report("tracing on", sorted(m for m in set(sys.modules) - before if m.startswith(WATCHED)))
report("otel imported", sys.modules.get("litestar.plugins.opentelemetry") is not None)
"""


@pytest.fixture(scope="module")
def after_an_app() -> dict[str, Any]:
    """The steps of AFTER_AN_APP by name, with tracing off; a step that failed is missing and
    the interpreter's error under the key "error"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "OTEL_"))}
    env.update(PORTICO_PERSISTENCE="memory", PORTICO_OTEL_ENABLED="false")
    code = f"WATCHED = {WATCHED!r}\n{AFTER_AN_APP}"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    steps = dict(json.loads(line) for line in done.stdout.splitlines() if line.startswith("["))
    return {**steps, "error": done.stderr if done.returncode else ""}


def step(after_an_app: dict[str, Any], name: str) -> Any:
    assert name in after_an_app, after_an_app["error"]
    return after_an_app[name]


def test_off_by_default_and_nothing_of_either_sdk_is_imported(
    after_an_app: dict[str, Any],
) -> None:
    assert step(after_an_app, "imported") == []


def test_tracing_on_imports_the_sdk(after_an_app: dict[str, Any]) -> None:  # the probe can fail
    assert "entrypoints.otel" in step(after_an_app, "tracing on")


def test_the_hidden_plugin_is_hidden_only_while_the_app_is_built(
    after_an_app: dict[str, Any],
) -> None:
    # A later import of the tracing module (here the tracing-on app's) still finds Litestar's
    # plugin: left hidden, that app's build would fail, and its steps would be missing.
    assert step(after_an_app, "otel imported") is True


def test_the_console_format_still_draws_tracebacks_with_rich() -> None:
    code = (
        "from entrypoints.logs import configure_logging\n"  # structlog without rich
        "import structlog\n"
        "from entrypoints.settings import load_settings\n"
        "configure_logging(load_settings({'PORTICO_LOG_FORMAT': 'console'}, env_file=None))\n"
        "try:\n"
        "    secret_local = 'shown'\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    structlog.get_logger().exception('failed')\n"
    )
    output = printed(code)
    # rich's frame box with the locals, which Python's own traceback does not show
    assert "╭" in output
    assert "secret_local" in output
    assert "ZeroDivisionError" in output


def test_pdb_and_yaml_run_when_used(after_an_app: dict[str, Any]) -> None:
    """They are in sys.modules unrun; the first name asked runs them: PyYAML is whole for
    whoever wants it, Litestar's debugger is pdb, and dependency-injector was built without
    PyYAML."""
    assert step(after_an_app, "yaml or bdb run") == [False, False]
    assert step(after_an_app, "yaml") == "openapi: 3.1.0"
    assert step(after_an_app, "the debugger is pdb") is True
    assert step(after_an_app, "providers.yaml") is None


# [adapter:postgresql begin]
def test_the_postgresql_dialects_of_other_drivers_run_when_a_url_names_them(
    after_an_app: dict[str, Any],
) -> None:
    assert step(after_an_app, "dialects run") == [False, False, False, True, True]
    # psycopg2cffi's is a subclass of psycopg2's dialect: both ran
    assert step(after_an_app, "dialects asked") == ["psycopg2cffi", "pg8000"]


# [adapter:postgresql end]
