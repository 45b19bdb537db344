"""`portico serve`: the HTTP API on granian (measured here: about twice uvicorn's throughput)."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entrypoints.cli.stopping import (
    forked_workers_stop_with_the_supervisor,
    stop_asked,
    stop_while_starting,
    stops_call,
)
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
    parser.add_argument(
        "--workers",
        type=int,
        help="worker processes; one serves in this process (default: PORTICO_WORKERS)",
    )
    parser.add_argument("--reload", action="store_true", help="restart when source files change")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with stop_while_starting():  # docs/deployment.md: SIGTERM at any point of the start-up
        return _start_and_serve(args, settings)


def _start_and_serve(args: argparse.Namespace, settings: Settings) -> int:
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
    in_this_process = workers == 1 and not args.reload
    if in_this_process:  # the app is imported here anyway: a child would cost ~0.6 s of CPU
        from entrypoints.cli.startup import check_settings

        check_settings(settings)  # its engine and its event loop are closed when it returns
    else:
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
        stop_timeout = settings.http.stop_timeout
        if in_this_process:
            _serve_in_this_process(host, port, stop_timeout)
        else:
            _serve_supervised(host, port, workers, stop_timeout, reload=args.reload)
    return 0


def _check_in_a_child(settings: Settings) -> None:
    """Check the database and the cache settings in a short-lived process: with several
    workers (or --reload) this one only supervises granian's (which import the app themselves),
    so it keeps none of the app's modules, about 55 MB less here. With one worker the checks run
    in this process, which serves the app itself. The settings go on stdin (they hold
    secrets); the child's one-line refusal stops us as before; its log lines (a warning about
    Redis, say) go to our stdout as they would have."""
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


def _serve_supervised(
    host: str, port: int, workers: int, stop_timeout: int, *, reload: bool
) -> None:
    """granian's supervisor, forking `workers` workers (and restarting them on changes with
    `reload`); this process imports none of the app. A worker still running `stop_timeout`
    seconds after it was asked to stop is killed (granian sets no deadline by default)."""
    server = granian_server(reload=reload)  # first: the granian package imports the server
    from granian.constants import Interfaces

    forked_workers_stop_with_the_supervisor()
    supervisor = server(
        APP_FACTORY,
        factory=True,
        interface=Interfaces.ASGI,
        address=host,
        port=port,
        workers=workers,
        reload=reload,
        reload_paths=[SOURCE],
        workers_kill_timeout=stop_timeout,
        log_dictconfig=_GRANIAN_LOGGING,
    )

    def stop_if_asked() -> None:  # granian's handlers are in place: one asked before is ours
        if stop_asked():
            supervisor.signal_handler_interrupt()

    supervisor.on_startup(stop_if_asked)
    stops_call(supervisor.signal_handler_interrupt)  # also the ones granian's handler misses
    supervisor.serve()


def _serve_in_this_process(host: str, port: int, stop_timeout: int) -> None:
    """One worker, in this process: granian's embedded server (`granian.server.embed`), the same
    Rust worker as a forked one on a thread of its own, the app on this process's event loop.
    A supervisor forking one worker would hold Python, granian and the standard library it
    imports twice (bench/README.md, issue 18 goal 5). SIGTERM and SIGINT stop it as granian's
    supervisor would (in-flight requests finish, then the app's shutdown), and what still runs
    `stop_timeout` seconds after the first of them is abandoned, as the supervisor kills such a
    worker (the embedded server's own deadline raises out of its shutdown instead); it exits 1
    when the app's start-up failed or its worker ended on its own."""
    import asyncio
    import signal

    import structlog
    from granian.constants import Interfaces
    from granian.errors import FatalError
    from granian.server.embed import Server

    from entrypoints.event_loop import run as run_on_the_loop
    from entrypoints.http.served import create_served_app

    server = Server(
        create_served_app,
        factory=True,
        interface=Interfaces.ASGI,
        address=host,
        port=port,
        backlog=1024,  # granian's supervisor's default (the embedded server's is 128)
        log_dictconfig=_GRANIAN_LOGGING,
    )

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None) as deadline:

            def stop() -> None:
                server.stop()  # type: ignore[no-untyped-call]
                if deadline.when() is None:  # the first signal starts the clock
                    deadline.reschedule(loop.time() + stop_timeout)

            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop)
            if stop_asked():  # before these handlers: stopping.py
                stop()
            await server.serve()

    try:
        run_on_the_loop(serve())  # the requests still running are cancelled as it returns
    except FatalError:  # the app's start-up failed; granian has logged why
        raise SystemExit(1) from None
    except TimeoutError:
        structlog.get_logger("portico").warning("serve.stop_timed_out", stop_timeout=stop_timeout)
    if server.interrupt_children:  # its worker ended on its own
        raise SystemExit(1)
