"""entrypoints/cli/stopping.py's stops_call: a SIGTERM the kernel hands to a thread other than
the main one still reaches the supervisor. Here it is handed to a sleeping thread on purpose
(as the kernel does while the main thread blocks it across a fork), and the main thread waits
on an Event with no timeout, as granian's supervisor does: without stops_call, the Python
handler never runs and the wait never ends (the e2e test saw one such hang in CI)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.servers import PATIENCE

_SUPERVISOR = """
import signal, sys, threading, time
from entrypoints.cli.stopping import stops_call
interrupted = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: interrupted.set())  # granian's kind
stops_call(interrupted.set)
sleeper = threading.Thread(target=time.sleep, args=(600,), daemon=True)
sleeper.start()
signal.pthread_kill(sleeper.ident, signal.SIGTERM)
interrupted.wait()
print("stopped")
"""


def test_a_sigterm_handed_to_another_thread_still_stops_the_supervisor() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SUPERVISOR], capture_output=True, text=True, timeout=PATIENCE
    )

    assert (done.returncode, done.stdout) == (0, "stopped\n"), done.stderr
