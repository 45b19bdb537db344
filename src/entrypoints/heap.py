"""What a long-lived process does once it has started: keep start-up's objects out of the garbage
collector's full passes."""

from __future__ import annotations

import gc


def freeze_what_start_up_made() -> None:
    """A full collection walks every object the collector tracks: about 160,000 once the app has
    started (its modules, routes, schemas, containers), 60-85 ms here during which no request or
    event moves, a stall every few thousand requests. Those objects live as long as the process,
    so they move to the permanent generation once (`gc.freeze`); later passes walk only what the
    work makes (0.5 ms). Only in the serving and worker processes: one that builds many apps (the
    tests) would keep each one's cycles for good."""
    gc.collect()
    gc.freeze()
