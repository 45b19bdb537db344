"""RecordChange: the consumer that writes one audit entry per catalog event, exactly once, in
the event's tenant."""

from __future__ import annotations

from application.audit.ports import AuditUnitOfWorkFactory
from application.messaging.consumers import Consumer
from application.shared.ports.inbox import AlreadyApplied
from application.shared.ports.messaging import IntegrationEvent
from domain.audit.entry import AuditEntry


class RecordChange(Consumer):
    name = "audit"
    contexts = ("catalog",)

    def __init__(self, uow: AuditUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, event: IntegrationEvent) -> bool:
        try:
            async with self._uow() as uow:
                await uow.inbox.record(self.name, event.id)  # the entry is its whole effect
                await uow.entries.add(
                    AuditEntry(
                        tenant=event.tenant,
                        event_id=event.id,
                        type=event.type,
                        aggregate_id=event.aggregate_id,
                        occurred_at=event.occurred_at,
                        actor=event.actor,
                    )
                )
                await uow.commit()
        except AlreadyApplied:
            return False
        return True
