"""The app as `portico serve`'s granian workers build it: `create_app`, then, once started, the
objects start-up made kept out of the garbage collector's full passes (entrypoints/heap.py)."""

from __future__ import annotations

from litestar import Litestar

from entrypoints.heap import freeze_what_start_up_made
from entrypoints.http.app import create_app


def create_served_app() -> Litestar:
    app = create_app()
    app.on_startup.append(freeze_what_start_up_made)  # last: after the pools and runners start
    return app
