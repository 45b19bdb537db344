"""Every guard of the app runs on the event loop. Litestar runs a plain-function guard in its
thread pool (`AsyncCallable`): a thread hop on every guarded request, about a tenth of a product
create's CPU here (bench/README.md, "Guards on the event loop")."""

from __future__ import annotations

from litestar.utils.sync import AsyncCallable

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


def test_no_guard_of_the_app_goes_to_a_thread() -> None:
    app = create_app(build_container(Settings(environment="test", persistence="memory")))
    guarded = 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            guards = handler.resolve_guards()
            guarded += bool(guards)
            threaded = [g.func.__name__ for g in guards if isinstance(g, AsyncCallable)]
            assert threaded == [], (route.path, threaded)
    assert guarded > 0  # operations at least; a project keeps some of writes, orders, users, audit
