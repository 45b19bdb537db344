"""A password reset asked for an address no account has: recorded all the same.

The request for a known address records PasswordResetRequested on the user; this records the
same event (known=False) on a throwaway recorder with a fresh id, so both requests write one
outbox row in one transaction: the same work, the same answer. Nobody mails it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.identity.events import PasswordResetRequested
from domain.shared.events import EventRecorder


def reset_requested_for_nobody(id: UUID, now: datetime) -> EventRecorder:
    recorder = EventRecorder()
    recorder.record(PasswordResetRequested(aggregate_id=id, occurred_at=now, known=False))
    return recorder
