"""`portico serve`'s start-up check child (`python -m entrypoints.cli.startup`, run on every
start) builds only what it checks: no container, no context's adapters, no web framework, and
Redis only when a setting picks it (bench/README.md: its CPU per start)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec

from entrypoints.modules import CONTEXTS, load_modules, unsupported_store
from entrypoints.settings import load_settings

PROBE = """
import json, runpy, sys
try:
    runpy.run_module("entrypoints.cli.startup", run_name="__main__")
except SystemExit as done:
    print(done.code)
print(json.dumps(sorted(m for m in sys.modules if m.startswith(WATCHED))))
"""
WATCHED = (
    "litestar",
    "entrypoints.container",
    "entrypoints.platform.container",
    "dependency_injector",  # the contexts' declarations are read without it
    "entrypoints.http",
    "adapters.persistence.sql.outbox",
    "nats",  # [adapter:nats]
    "redis",  # [adapter:redis]
    *(f"entrypoints.{name}.container" for name in CONTEXTS),
    *(f"entrypoints.{name}.http" for name in CONTEXTS),
)


def child(tmp_path: Path, **environment: str) -> tuple[str, list[str]]:
    """What the child answered ("0", or its one-line refusal) and the watched modules it loaded."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'portico.db'}"  # a database pinged for real
    settings = load_settings({"PORTICO_DATABASE_URL": database, **environment}, env_file=None)
    code = f"WATCHED = {WATCHED!r}\n{PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=msgspec.json.encode(settings),
        capture_output=True,
        check=False,
    )
    lines = done.stdout.decode().splitlines()
    assert lines[0] in ("0", "2"), done.stderr.decode()
    return lines[0] if lines[0] == "0" else done.stderr.decode().strip(), json.loads(lines[-1])


def test_the_check_pings_the_database_without_the_containers_nor_the_app(tmp_path: Path) -> None:
    assert child(tmp_path, PORTICO_CACHE="memory") == ("0", [])
    assert (tmp_path / "portico.db").is_file()  # the ping reached the database
    assert child(tmp_path, PORTICO_PERSISTENCE="memory") == ("0", [])


# [adapter:redis begin]
def test_the_redis_cache_is_checked_with_redis_alone(tmp_path: Path) -> None:
    # The URL is only parsed (an unreachable cache is no refusal), and the probe can fail.
    answer, loaded = child(tmp_path, PORTICO_CACHE="redis", PORTICO_REDIS_URL="redis://127.0.0.1:1")
    assert answer == "0"
    assert "redis" in loaded
    # platform/redis.py builds the client beside its container: dependency-injector comes too.
    assert not [name for name in loaded if not name.startswith(("redis", "dependency_injector"))]


def test_a_persistence_a_context_has_no_adapter_for_is_refused_first(tmp_path: Path) -> None:
    refusal = unsupported_store("redis", load_modules())  # the ordering context's, today
    unreachable = {"PORTICO_PERSISTENCE": "redis", "PORTICO_REDIS_URL": "redis://127.0.0.1:1"}
    answer, loaded = child(tmp_path, **unreachable)
    if refusal is not None:
        assert (answer, loaded) == (refusal, [])
    else:  # every context left keeps its state in Redis too: the check goes on to reach it
        assert answer.startswith("PORTICO_REDIS_URL: cannot reach Redis")


# [adapter:redis end]
