"""A process forked by `portico serve`'s supervisor is signalled when the supervisor dies (Linux).

A supervisor killed outright (SIGKILL: the OOM killer, `kill -9`, an orchestrator's deadline)
cannot stop its workers, and granian's went on running as orphans, holding the port and serving
it. Linux's PR_SET_PDEATHSIG has the kernel send a signal to a child when its parent dies; the
hooks here ask for it at each fork (stopping.py registers them). Elsewhere nothing is asked."""

from __future__ import annotations

import os
import sys
import threading

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class _Fork:
    """What the forking process knew, read in the child (it inherits a copy)."""

    parent = 0
    from_main_thread = False


def before_fork() -> None:
    """In the process about to fork."""
    _Fork.parent = os.getpid()
    _Fork.from_main_thread = threading.current_thread() is threading.main_thread()


def signal_when_the_parent_dies(signum: int) -> None:
    """In the new child: `signum` comes when the parent dies, and now if it died since the fork
    (the kernel signals only deaths after this call). The kernel signals when the thread that
    forked ends, not the process: only a fork from the main thread, whose end is the process's,
    asks (granian's supervisor forks from its main thread)."""
    if not sys.platform.startswith("linux") or not _Fork.from_main_thread:
        return
    import ctypes  # the supervisor has it already (granian imports it)

    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)  # fails only for a bad signum
    if os.getppid() != _Fork.parent:  # died before the call: adopted by a reaper already
        os.kill(os.getpid(), signum)
