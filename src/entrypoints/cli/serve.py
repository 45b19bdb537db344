"""`portico serve`: the HTTP API on granian (measured here: about twice uvicorn's throughput)."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entrypoints.hidden_imports import OnFirstUse, hidden

if TYPE_CHECKING:
    from entrypoints.settings import Settings

APP_FACTORY = "entrypoints.http.served:create_served_app"
SOURCE = Path(__file__).resolve().parents[2]  # src/: what --reload watches
# Granian's own lines go through our root handler, so they are structured like ours.
_GRANIAN_LOGGING = {
    "loggers": {
        "_granian": {"handlers": [], "level": "INFO", "propagate": True},
        "granian.access": {"handlers": [], "level": "WARNING", "propagate": True},
    }
}


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("serve", help="serve the HTTP API")
    parser.add_argument("--host", help="address to bind (default: PORTICO_HOST)")
    parser.add_argument("--port", type=int, help="port to bind (default: PORTICO_PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (default: PORTICO_WORKERS)")
    parser.add_argument("--reload", action="store_true", help="restart when source files change")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.http.host
    port = settings.http.port if args.port is None else args.port
    workers = settings.http.workers if args.workers is None else args.workers
    if not 0 < port < 65536:
        raise ValueError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")
    if workers > 1 and settings.processes_share_nothing:
        # Each worker keeps its own cache; the in-process bus cannot tell the other workers
        # about a write, so they would go on answering what they had cached before it.
        raise ValueError(
            "PORTICO_CACHE=memory keeps one cache per process, and PORTICO_BUS=memory cannot "
            "tell the other workers about a write, so they would serve stale reads: set "
            "PORTICO_BUS=nats (each process then forgets what the others change, and run "
            "`portico worker` or PORTICO_BACKGROUND=serve for the relay), "
            "or PORTICO_CACHE=redis, "  # [adapter:redis]
            "or PORTICO_CACHE=none, or use one worker"
        )
    _check_in_a_child(settings)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"Portico serving on http://{shown}:{port} - OpenAPI docs at http://{shown}:{port}/schema",
        file=sys.stderr,
        flush=True,
    )
    with contextlib.ExitStack() as run:
        if settings.metrics.enabled:  # before granian forks the workers that count
            from entrypoints.metrics.exposition import (
                serve_metrics,
                shared_between_processes,
                sum_of_processes,
            )

            directory = run.enter_context(shared_between_processes())
            serve_metrics(settings, settings.metrics.port, sum_of_processes(directory))
        _serve(host, port, workers, reload=args.reload)
    return 0


def _check_in_a_child(settings: Settings) -> None:
    """Check the database and the cache settings in a short-lived process: this one only
    supervises granian's workers (which import the app themselves), so it keeps none of the
    app's modules, about 55 MB less here. The settings go on stdin (they hold secrets); the
    child's one-line refusal stops us as before; its log lines (a warning about Redis, say) go
    to our stdout as they would have."""
    import msgspec

    from entrypoints.settings import SettingsError

    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.startup"],
        input=msgspec.json.encode(settings),
        stderr=subprocess.PIPE,
        check=False,
    )
    said = done.stderr.decode(errors="replace").strip().splitlines()
    if done.returncode != 0:
        raise SettingsError(said[-1] if said else f"the start-up checks failed ({done.returncode})")
    for line in said:  # nothing, unless a library warned
        print(line, file=sys.stderr)


def granian_server(*, reload: bool) -> Any:
    """granian's Server class, imported without what only its workers or --reload use.

    granian imports watchfiles whenever it is installed; only --reload uses it: 0.7 MB of this
    process and of each worker it forks. It imports anyio too, which only watchfiles uses (0.4
    MB; the worker's Litestar imports it), uvloop, which only the worker's loop needs (1 MB of
    this process), and python-dotenv, which only its env_files option uses: those two run on
    first use, uvloop in the worker."""
    for name in ("uvloop", "dotenv"):
        OnFirstUse(name).install()
    with hidden(*(() if reload else ("watchfiles", "anyio"))):
        from granian.server import Server
    return Server


def _serve(host: str, port: int, workers: int, *, reload: bool) -> None:
    server = granian_server(reload=reload)  # first: the granian package imports the server
    from granian.constants import Interfaces

    server(
        APP_FACTORY,
        factory=True,
        interface=Interfaces.ASGI,
        address=host,
        port=port,
        workers=workers,
        reload=reload,
        reload_paths=[SOURCE],
        log_dictconfig=_GRANIAN_LOGGING,
    ).serve()
