"""A client's everyday calls compile against the generated TypeScript types: sign in, read
products, place an order and read it back (flow.ts)."""

from __future__ import annotations

from pathlib import Path

from tests.clients.conftest import Compile

FLOW = Path(__file__).with_name("flow.ts")


def test_an_everyday_flow_compiles(tsc: Compile) -> None:
    done = tsc(**{"flow.ts": FLOW.read_text()})
    assert done.returncode == 0, done.stdout + done.stderr
