"""RecordChange: the consumer that writes one audit entry per catalog event, exactly once, in
the event's tenant."""

from __future__ import annotations

from collections.abc import Sequence

from application.audit.ports import AuditUnitOfWorkFactory
from application.messaging.consumers import BatchConsumer
from application.shared.ports.inbox import AlreadyApplied
from application.shared.ports.messaging import IntegrationEvent
from domain.audit.entry import AuditEntry


class RecordChange(BatchConsumer):
    name = "audit"
    contexts = ("catalog",)
    # Its whole effect is one statement a batch: a relay's claim (up to 100 events) reaches it
    # in one or two batches (with 10, its fetches, acks and statements per create were three to
    # five times as many under W3; bench/README.md, session 16).
    at_most = 50

    def __init__(self, uow: AuditUnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, event: IntegrationEvent) -> bool:
        try:
            await self.apply_all([event])
        except AlreadyApplied:
            return False
        return True

    async def apply_all(self, events: Sequence[IntegrationEvent]) -> None:
        # The entries are the whole effect and each is its event's record (the log refuses a
        # second entry of an event: AlreadyApplied), so no inbox record is written beside it:
        # one statement at the commit on PostgreSQL, refused whole if one was applied already.
        async with self._uow() as uow:
            for event in events:
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
