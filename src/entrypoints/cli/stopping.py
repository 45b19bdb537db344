"""SIGTERM and SIGINT while `portico serve` starts: they stop it, at any point of its start-up.

granian installs its handlers only on its way to serving: the supervisor's as it binds the
socket, each forked worker's once the worker has imported and built the app (granian 2.8,
server/mp.py, `set_loop_signals` in `_spawn_asgi_lifespan_worker`). Before the supervisor's, the
signal's default action killed `portico serve` with status 143 (a container's PID 1 ignored it)
and left the start-up check's child running. Before a worker's, the worker runs the handler it
inherited from the supervisor, which only sets a flag on the worker's copy of the supervisor: the
SIGTERM the supervisor sends to stop a worker still starting was lost, the worker went on to
serve, and the supervisor waited for it without end (`_stop_workers` in server/common.py joins
with no timeout). docs/deployment.md, "Stopping the API", says what each moment does now."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

from entrypoints.cli import parent_death

STOPS = {signal.SIGTERM, signal.SIGINT}


class _Asked:
    # Python only prints a SystemExit raised in a weakref callback or a __del__ (seen once in 30
    # starts): the start went on. This flag is not lost; whoever takes the signals over reads it.
    stop = False


def _stop(signum: int, frame: FrameType | None) -> NoReturn:
    _Asked.stop = True
    raise SystemExit(0)  # unwinds: `subprocess.run` kills the start-up check's child


@contextmanager
def stop_while_starting() -> Iterator[None]:
    """Until granian replaces them, SIGTERM and SIGINT abandon the start-up and exit 0; read
    `stop_asked` once they are replaced. The handlers before are back at the end (a test may
    run the command in its own process)."""
    before = {stop: signal.getsignal(stop) for stop in STOPS}
    for stop in STOPS:
        signal.signal(stop, _stop)
    try:
        yield
    finally:
        _Asked.stop = False
        for stop, handler in before.items():
            if handler is not None:  # None: not installed from Python, nothing to put back
                signal.signal(stop, handler)


def stop_asked() -> bool:
    """Whether SIGTERM or SIGINT came while `stop_while_starting`'s handlers were installed."""
    return _Asked.stop


def forked_workers_stop_with_the_supervisor() -> None:
    """Each process forked from here from now on (granian's workers) dies at SIGTERM or SIGINT,
    their default action, until granian installs its handlers in it: nothing to finish yet. The
    signals are blocked across the fork, so one that reaches the new process before the reset
    waits for it instead of running the inherited handler. And each is killed when this
    process dies, however it dies (parent_death.py)."""
    if sys.platform == "win32":  # no fork: granian spawns fresh interpreters there
        return
    os.register_at_fork(before=_before, after_in_parent=_unblock, after_in_child=_in_the_child)


def stops_call(interrupt: Callable[[], object]) -> None:
    """SIGTERM and SIGINT call `interrupt` (from a thread of its own) whichever thread of this
    process the kernel hands them to. A Python handler runs only on the main thread, and a
    signal handed to another thread does not wake a main thread blocked on a lock: granian's
    supervisor waits on a `threading.Event` with no timeout, and the kernel hands a signal to
    another thread while the main one blocks it, as it does across each fork above. Such a
    SIGTERM was lost and the supervisor served on (seen once in CI). CPython writes every
    handled signal's number to the wakeup fd, from any thread; a reader of it hears them all.
    Main thread only (set_wakeup_fd); it replaces any wakeup fd set before."""
    reader, writer = os.pipe()
    os.set_blocking(writer, False)  # a full pipe drops a byte rather than block the handler
    signal.set_wakeup_fd(writer, warn_on_full_buffer=False)

    def forward() -> None:
        while heard := os.read(reader, 64):
            if any(signum in STOPS for signum in heard):
                interrupt()

    threading.Thread(target=forward, name="portico-stops", daemon=True).start()


def _before() -> None:
    parent_death.before_fork()
    signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)


def _unblock() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)


def _in_the_child() -> None:
    for stop in STOPS:
        signal.signal(stop, signal.SIG_DFL)
    # SIGKILL, not SIGTERM: a worker still in the app's start-up when its supervisor died went
    # on serving after a SIGTERM (2 of 16 runs under load), and nothing would kill it later.
    parent_death.signal_when_the_parent_dies(signal.SIGKILL)
    _unblock()
