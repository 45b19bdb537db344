"""What is off costs nothing: an app built with tracing and error tracking off (the defaults)
never imports the OpenTelemetry SDK's exporter and instrumentations, nor Sentry's SDK; nor rich
(structlog's console tracebacks) nor SQLAlchemy's MariaDB dialect unless they are used; nor what
a server seldom runs: pdb, PyYAML, the CLI's argparse, the PostgreSQL dialects of drivers not in
use (entrypoints/unused_imports.py)."""

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
from entrypoints.http.app import create_app
create_app()
print(json.dumps(sorted(m for m in sys.modules if m.startswith(WATCHED))))
"""
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


def loaded(**environment: str) -> list[str]:
    code = f"WATCHED = {WATCHED!r}\n{PROBE}"
    output = printed(code, PORTICO_PERSISTENCE="memory", **environment)
    return list(json.loads(output.splitlines()[-1]))


def test_off_by_default_and_nothing_of_either_sdk_is_imported() -> None:
    assert loaded(PORTICO_OTEL_ENABLED="false") == []


def test_tracing_on_imports_the_sdk() -> None:  # so the probe above can fail
    assert "entrypoints.otel" in loaded(PORTICO_OTEL_ENABLED="true")


def test_the_hidden_plugin_is_hidden_only_while_the_app_is_built() -> None:
    # A later import of the tracing module (a test's, a tool's) must still find Litestar's plugin.
    code = (
        "import entrypoints.http.app as a\n"
        "a.create_app()\n"
        "import entrypoints.otel\n"
        "print('imported')\n"
    )
    output = printed(code, PORTICO_PERSISTENCE="memory", PORTICO_OTEL_ENABLED="false")
    assert output.splitlines()[-1] == "imported"


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


def test_pdb_and_yaml_run_when_used() -> None:
    """They are in sys.modules unrun; the first name asked runs them: PyYAML is whole for
    whoever wants it, Litestar's debugger is pdb, and dependency-injector was built without
    PyYAML."""
    code = (
        "import sys\n"
        "from entrypoints.http.app import create_app\n"
        "app = create_app()\n"
        "assert 'yaml.constructor' not in sys.modules and 'bdb' not in sys.modules\n"
        "import yaml\n"
        "print(yaml.safe_dump({'openapi': '3.1.0'}).strip())\n"
        "import pdb\n"
        "from dependency_injector import providers\n"
        "print(app.debugger_module.post_mortem is pdb.post_mortem, providers.yaml)\n"
    )
    output = printed(code, PORTICO_PERSISTENCE="memory")
    assert output.splitlines()[-2:] == ["openapi: 3.1.0", "True None"]


# [adapter:postgresql begin]
def test_the_postgresql_dialects_of_other_drivers_run_when_a_url_names_them() -> None:
    """SQLAlchemy's PostgreSQL package imports them all; asyncpg's runs, and psycopg's (the
    package's default), the others are in sys.modules unrun until their dialect is asked for."""
    code = (
        "import sys\n"
        "from entrypoints.http.app import create_app\n"
        "create_app()\n"
        "import sqlalchemy.dialects.postgresql.asyncpg\n"
        "drivers = ('pg8000', 'psycopg2', 'psycopg2cffi', 'psycopg', 'asyncpg')\n"
        "modules = [sys.modules[f'sqlalchemy.dialects.postgresql.{d}'] for d in drivers]\n"
        "print(['dialect' in vars(module) for module in modules])\n"
        "from sqlalchemy.engine import make_url\n"  # as create_engine finds a URL's dialect
        "for url in ('postgresql+psycopg2cffi://', 'postgresql+pg8000://'):\n"
        "    print(make_url(url).get_dialect().driver)\n"
    )
    assert printed(code, PORTICO_PERSISTENCE="memory").splitlines()[-3:] == [
        "[False, False, False, True, True]",
        "psycopg2cffi",  # a subclass of psycopg2's dialect: both ran
        "pg8000",
    ]


# [adapter:postgresql end]
