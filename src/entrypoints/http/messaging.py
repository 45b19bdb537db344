"""GET /api/v1/messaging/stats: outbox backlog and consumer lag, for operators.

The same figures are Prometheus series on the worker's metrics port (docs/observability.md).
It reports what this process runs (the in-process worker) or, without one, the backlog and lag
as the outbox and the bus see them (plus the counters of this process's listeners, if any).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.datastructures import State

from application.messaging.lag import consumer_lag
from domain.identity.roles import Permission
from entrypoints.container import Container
from entrypoints.http.security.permissions import requires
from entrypoints.worker.runtime import MessagingRuntime


class MessagingController(Controller):
    path = "/api/v1/messaging"
    tags = ["messaging"]
    opt = requires(Permission.OPERATIONS_READ)

    @get(
        "/stats",
        operation_id="messagingStats",
        summary="Messaging statistics: outbox, consumers, dead letters",
    )
    async def stats(self, state: State) -> dict[str, Any]:
        """Events waiting in the outbox, and per consumer the events it has not yet acked."""
        runtime: MessagingRuntime | None = state.get("messaging")
        if runtime is not None and runtime.runs_shared_work:
            return await runtime.stats()
        container: Container = state["container"]
        lag = await consumer_lag(container.platform.bus(), container.consumers())
        found: dict[str, Any] = {
            "outbox_backlog": await container.platform.outbox().backlog(),
            "consumers": {name: {"lag": by_context} for name, by_context in lag.items()},
        }
        if runtime is not None:  # it runs only this process's listeners
            found["listeners"] = runtime.listener_stats()
        return found
