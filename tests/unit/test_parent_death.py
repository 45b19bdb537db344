"""entrypoints/cli/parent_death.py's race: a parent that died between the fork and the child's
request sends no signal (the kernel signals only deaths after it), so the child checks that its
parent is still the process that forked it, and signals itself if not. The e2e test
(tests/e2e/test_serve_stopping.py) kills a real supervisor; this one stages the race."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.support.servers import PATIENCE

# The process records itself as the forking parent, then asks as a child would: its real parent
# (this test) is not the one recorded, as for a child whose forking parent died and was replaced
# by a reaper.
_PARENT_GONE = """
import signal, time
from entrypoints.cli import parent_death
parent_death.before_fork()
parent_death.signal_when_the_parent_dies(signal.SIGTERM)
time.sleep(60)
"""


def test_a_child_whose_parent_died_before_it_asked_gets_the_signal_at_once() -> None:
    done = subprocess.run([sys.executable, "-c", _PARENT_GONE], timeout=PATIENCE, check=False)

    assert done.returncode == -signal.SIGTERM
