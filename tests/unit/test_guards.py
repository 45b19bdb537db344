"""A permission guard is awaited on the event loop: Litestar runs a synchronous guard in a worker
thread on every request (entrypoints/http/security/guards.py)."""

from __future__ import annotations

import inspect

from litestar.utils.sync import ensure_async_callable

from domain.identity.roles import Permission
from entrypoints.http.security.guards import requires


def test_litestar_awaits_a_permission_guard_without_a_thread() -> None:
    guard = requires(Permission.ORDERS_READ_OWN)
    assert inspect.iscoroutinefunction(guard)
    assert ensure_async_callable(guard) is guard  # not wrapped to run in a thread
