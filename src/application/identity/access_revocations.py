"""AccessRevocations: refuse access tokens issued before a user's access changed, with no I/O.

Access tokens are short-lived and checked without a database read. What a token proves can stop
being true before it expires (the user was deactivated, lost a role, changed the password); the
user's `access_version` then moves on. This record keeps, per such user, the oldest version
still good, for as long as a token issued before the change could live (`keep_for`), and refuses
older tokens. It is filled at once by the use cases of this process and, for changes made by other
processes, by `sync()` every few seconds (one query for all users, never one per request).
It is bounded: past `max_entries` the oldest entries go first (they are the nearest to expiry).

Sessions are revoked one by one (signing out a device, a password change ending the others):
their tokens carry the session's id (`sid`), and the record keeps the revoked sessions' ids the
same way, filled at once here and by `sync()` from the other processes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from application.identity.ports import IdentityUnitOfWorkFactory
from application.shared.ports.clock import Clock
from domain.identity.principal import Principal


class AccessRevocations:
    def __init__(
        self,
        uow: IdentityUnitOfWorkFactory,
        clock: Clock,
        *,
        keep_for: timedelta,
        max_entries: int = 100_000,
        overlap: timedelta = timedelta(seconds=10),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keep_for = keep_for
        self._max_entries = max_entries
        self._overlap = overlap
        # subject -> (oldest access version still good, when the entry may go)
        self._entries: OrderedDict[str, tuple[int, datetime]] = OrderedDict()
        # revoked session id -> when the entry may go
        self._sessions: OrderedDict[str, datetime] = OrderedDict()
        self._synced_at: datetime | None = None

    def __len__(self) -> int:
        return len(self._entries) + len(self._sessions)

    def allows(self, principal: Principal) -> bool:
        if principal.session_id is not None and principal.session_id in self._sessions:
            return False
        if principal.access_version is None:
            return True
        entry = self._entries.get(principal.subject)
        return entry is None or principal.access_version >= entry[0]

    def record_sessions(self, session_ids: Iterable[UUID], revoked_at: datetime) -> None:
        for session_id in session_ids:
            key = str(session_id)
            self._sessions[key] = revoked_at + self._keep_for
            self._sessions.move_to_end(key)
        while len(self._sessions) > self._max_entries:
            self._sessions.popitem(last=False)

    def record(self, user_id: UUID, access_version: int, changed_at: datetime) -> None:
        subject = str(user_id)
        current = self._entries.get(subject)
        if current is not None and current[0] >= access_version:
            return
        self._entries[subject] = (access_version, changed_at + self._keep_for)
        self._entries.move_to_end(subject)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def sync(self) -> int:
        """Read the access changes made since the last sync (by any process); returns how many."""
        now = self._clock.now()
        since = now - self._keep_for if self._synced_at is None else self._synced_at
        async with self._uow(read_only=True) as uow:
            changes = await uow.users.access_changes_since(since - self._overlap)
            revoked = await uow.sessions.revoked_since(since - self._overlap)
        for change in changes:
            if change.access_version <= 1:  # a new user: no older token can exist
                continue
            self.record(change.user_id, change.access_version, change.changed_at)
        # When each was revoked is not read: kept for a token lifetime from now, a little longer.
        self.record_sessions((i for i in revoked if str(i) not in self._sessions), now)
        self._synced_at = now
        self._prune(now)
        return len(changes) + len(revoked)

    def _prune(self, now: datetime) -> None:
        expired = [subject for subject, (_, until) in self._entries.items() if until <= now]
        for subject in expired:
            del self._entries[subject]
        for session_id in [i for i, until in self._sessions.items() if until <= now]:
            del self._sessions[session_id]
