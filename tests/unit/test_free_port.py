"""free_port() never hands out a port another living process got from it: the kernel offers a
port just let go of to the next bind, so two xdist workers could otherwise start their servers
on one port (or one find a server where it expects nobody)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.servers import free_port

# The child's kernel offers it the parent's port first, as it may after the parent's probe
# closed; free_port must take another.
OFFERED_FIRST = """
import socket, sys
offered = [int(sys.argv[1])]

class Offering(socket.socket):
    def bind(self, address):
        host, port = address
        super().bind((host, offered.pop() if port == 0 and offered else port))

socket.socket = Offering
from tests.support.servers import free_port
print(free_port())
"""


def test_a_port_handed_out_is_not_handed_out_again_while_its_process_lives() -> None:
    port = free_port()

    done = subprocess.run(
        [sys.executable, "-c", OFFERED_FIRST, str(port)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],  # where `tests` imports from
    )

    assert int(done.stdout) != port
