"""The platform's housekeeping: the chores of its tables (platform/stores.py picks the lease)."""

from __future__ import annotations

from datetime import timedelta

from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.inbox import SqlInboxRecords
from application.shared.maintenance import Chore
from application.shared.ports.idempotency import IdempotencyStore
from application.shared.ports.inbox import DeliveryLog, InboxRecords
from application.shared.ports.outbox import Outbox
from entrypoints.settings import Settings


def platform_chores(
    settings: Settings,
    outbox: Outbox,
    idempotency: IdempotencyStore | None,
    database: SqlDatabase | None,
    deliveries: DeliveryLog | None = None,
) -> list[Chore]:
    keep = settings.maintenance
    chores = [
        Chore.forgetting("outbox", outbox.purge_sent, timedelta(seconds=keep.outbox_retention))
    ]
    if isinstance(deliveries, InboxRecords):  # one keeping its own (memory), not the inbox's
        chores.append(
            Chore.forgetting(
                "delivery_log", deliveries.forget, timedelta(seconds=keep.inbox_retention)
            )
        )
    if idempotency is None:  # no adapter on this store, and no context that needs one
        return chores
    chores += [
        Chore.forgetting(
            "idempotency_keys", idempotency.purge, timedelta(seconds=keep.idempotency_retention)
        ),
        # A claim nobody answered for this long belongs to a request that died: free the key
        # so the client's retry runs the command (once).
        Chore.forgetting(
            "stuck_idempotency_claims",
            idempotency.release_stale,
            timedelta(seconds=keep.stuck_after),
        ),
    ]
    if (
        database is not None
    ):  # memory and Redis inboxes live in their contexts' stores, with their chores
        records = SqlInboxRecords(database)
        chores.append(
            Chore.forgetting("inbox", records.forget, timedelta(seconds=keep.inbox_retention))
        )
    return chores
