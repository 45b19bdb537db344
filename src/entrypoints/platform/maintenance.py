"""The platform's housekeeping: the lease that elects one runner and the chores of its tables."""

from __future__ import annotations

from datetime import timedelta

from adapters.persistence.memory.delivery_log import MemoryDeliveryLog
from adapters.persistence.memory.lease import MemoryLease
from adapters.persistence.redis.delivery_log import RedisDeliveryLog
from adapters.persistence.redis.documents import RedisDocuments
from adapters.persistence.redis.lease import RedisLease
from adapters.persistence.sql.database import SqlDatabase
from adapters.persistence.sql.delivery_log import SqlDeliveryLog
from adapters.persistence.sql.inbox import SqlInboxRecords
from adapters.persistence.sql.lease import SqlLease
from application.shared.maintenance import Chore
from application.shared.ports.idempotency import IdempotencyStore
from application.shared.ports.inbox import DeliveryLog, InboxRecords
from application.shared.ports.lease import Lease
from application.shared.ports.outbox import Outbox
from entrypoints.settings import Settings


def build_lease(database: SqlDatabase | None, documents: RedisDocuments | None = None) -> Lease:
    """In the database or the Redis store when there is one; with memory persistence there is
    one process."""
    if documents is not None:
        return RedisLease(documents)
    return MemoryLease() if database is None else SqlLease(database)


def build_delivery_log(
    database: SqlDatabase | None, documents: RedisDocuments | None = None
) -> DeliveryLog:
    """Beside the inbox: its table, its Redis keys, or (memory persistence) this process."""
    if documents is not None:
        return RedisDeliveryLog(documents)
    return MemoryDeliveryLog() if database is None else SqlDeliveryLog(database)


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
