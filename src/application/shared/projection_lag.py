"""ProjectionLag: how many events each projection is behind, for health checks and metrics."""

from __future__ import annotations

from application.shared.projector import Projector


class ProjectionLagHandler:
    def __init__(self, projector: Projector) -> None:
        self._projector = projector

    async def __call__(self) -> dict[str, int]:
        return await self._projector.lag()
