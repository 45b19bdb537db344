"""The CLI imports the command that runs: `portico serve`, which then only supervises granian's
workers, loads no context, no container and no other command (bench/README.md: 9 MB less)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from entrypoints.cli.main import build_parser
build_parser(COMMAND).parse_args(ARGS)
print(json.dumps(sorted(m for m in sys.modules if m.startswith(WATCHED))))
"""
WATCHED = (
    "entrypoints.catalog",
    "entrypoints.identity",
    "entrypoints.cli.worker",
    "entrypoints.cli.scaffold",
    "entrypoints.container",
    "dependency_injector",
    "importlib.metadata",  # only for --version (entrypoints/__init__.py)
    "rich",  # structlog is imported without it
)


def printed(*args: str) -> list[str]:
    """The lines a new interpreter run with `args` printed, once it has ended well."""
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def loaded(*args: str) -> list[str]:
    code = f"WATCHED = {WATCHED!r}\nCOMMAND = {args[0]!r}\nARGS = {list(args)!r}\n{PROBE}"
    return list(json.loads(printed("-c", code)[-1]))


def test_serve_loads_no_context_nor_other_command() -> None:
    assert loaded("serve", "--port", "8001") == []


def test_the_version_is_read_when_asked_for() -> None:
    [version] = printed("-m", "entrypoints.cli.main", "--version")
    assert version.startswith("portico ")
    assert version.split()[1][0].isdigit()


def test_a_context_command_loads_the_contexts() -> None:  # so the probe above can fail
    found = loaded("users", "create-admin", "--email", "admin@example.com")
    assert {"entrypoints.identity.cli", "entrypoints.cli.worker"} <= set(found)


def test_serve_imports_granian_without_what_only_its_worker_runs() -> None:
    """greenlet (structlog's), anyio (granian's, unused), uvloop's loop (the worker's) and
    python-dotenv's (no .env file) are not loaded by the supervisor (bench/README.md); uvloop
    and anyio work once asked for."""
    code = (
        "import json, sys\n"
        "from entrypoints.cli.serve import granian_server\n"
        "granian_server(reload=False)\n"
        "from granian.constants import Interfaces\n"
        "watched = ('greenlet', 'anyio', 'uvloop.loop', 'watchfiles', 'dotenv.main')\n"
        "print(json.dumps([m for m in watched if m in sys.modules]))\n"
        "import anyio, uvloop\n"
        "loop = uvloop.new_event_loop()\n"
        "print(type(loop).__module__, anyio.run(anyio.sleep, 0))\n"
    )
    assert printed("-c", code) == ["[]", "uvloop None"]


def test_serve_with_reload_imports_granian_with_watchfiles() -> None:
    code = (
        "from entrypoints.cli.serve import granian_server\n"
        "granian_server(reload=True)\n"
        "from granian._imports import watchfiles\n"
        "print(watchfiles.__name__)\n"
    )
    assert printed("-c", code) == ["watchfiles"]
