"""Rate limits of the sign-in routes: per client address (Litestar's RateLimitMiddleware) and
per account (failed logins, LoginThrottle); and of tenant-scoped routes, per organisation
(TenantRateLimit). Both count in the app's "rate_limit" store, which the
container provides (memory by default; a shared store such as Redis when configured), so the
limits hold across processes once the store is shared.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig

from application.shared.ports.clock import Clock
from domain.identity.errors import TooManyAttempts
from domain.shared.errors import TooMany
from domain.shared.tenant import Tenant
from entrypoints.http.security.rate_limit_store import CountingStore

STORE = "rate_limit"


def sign_in_rate_limit(per_minute: int) -> RateLimitConfig:
    """Requests per minute per client address, over all sign-in routes together."""
    return RateLimitConfig(rate_limit=("minute", per_minute), store=STORE)


# Route opt: the route checks a password but lives outside the sign-in routes (DELETE /users/me).
CHECKS_A_PASSWORD = "checks_a_password"  # noqa: S105 (an option name, not a secret)


def password_rate_limit(per_minute: int) -> RateLimitConfig:
    """The sign-in budget for routes marked CHECKS_A_PASSWORD, the others of their router left
    alone: the count is per client address in the same store, so it is one budget with sign-in."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute), store=STORE, check_throttle_handler=_checks_a_password
    )


def _checks_a_password(request: Request[Any, Any, Any]) -> bool:
    return bool(request.route_handler.opt.get(CHECKS_A_PASSWORD))


class SignInCounts(Protocol):
    """Where failed and refused logins are counted (ApiMetrics, with metrics on)."""

    def sign_in_failed(self) -> None: ...

    def locked_out(self) -> None: ...


class LoginThrottle:
    """After `max_failures` failed logins for one account, refuse that account's logins for
    `lockout_seconds`, before any password is checked (so guessing costs the attacker time, not
    us CPU). A success clears the count. Keyed by a digest: the store never sees the email.
    Failures are counted with the store's atomic increment, so concurrent ones all count.
    """

    def __init__(
        self,
        store: CountingStore,
        *,
        max_failures: int,
        lockout_seconds: int,
        counts: SignInCounts | None = None,
    ) -> None:
        self._store = store
        self._counts = counts
        self._max_failures = max_failures
        self._lockout = lockout_seconds

    @staticmethod
    def key(email: str) -> str:
        return "login-failures:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]

    async def check(self, email: str) -> None:
        key = self.key(email)
        if await self._failures(key) >= self._max_failures:
            remaining = await self._store.expires_in(key)
            if self._counts is not None:
                self._counts.locked_out()
            raise TooManyAttempts(remaining if remaining and remaining > 0 else self._lockout)

    async def failed(self, email: str) -> None:
        if self._counts is not None:
            self._counts.sign_in_failed()
        # Each failure restarts the lockout window, as before.
        await self._store.increment(self.key(email), self._lockout)

    async def succeeded(self, email: str) -> None:
        await self._store.delete(self.key(email))

    async def _failures(self, key: str) -> int:
        raw = await self._store.get(key)
        try:
            return int(raw) if raw else 0
        except ValueError:
            return 0


class ResendThrottle:
    """At most `per_hour` verification mails (sign-ups and resends) asked for one address in an
    hour, whether an account has it or not: `check` before the work (429 beyond), `count` after
    it succeeded (a refused password costs nothing). Keyed by a digest: the store never sees the
    email. Each counted mail restarts the hour."""

    def __init__(self, store: CountingStore, *, per_hour: int) -> None:
        self._store = store
        self._per_hour = per_hour

    @staticmethod
    def key(email: str) -> str:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return "verification-mails:" + digest[:40]

    async def check(self, email: str) -> None:
        key = self.key(email)
        raw = await self._store.get(key)
        if raw is not None and raw.isdigit() and int(raw) >= self._per_hour:
            remaining = await self._store.expires_in(key)
            raise TooManyAttempts(remaining if remaining and remaining > 0 else 3600)

    async def count(self, email: str) -> None:
        await self._store.increment(self.key(email), 3600)


class TenantRateLimited(TooMany):
    code = "tenant-rate-limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "this organisation made too many requests this minute", retry_after=retry_after
        )


class TenantRateLimit:
    """At most `per_minute` tenant-scoped requests per organisation, whoever makes them: beside
    the per-client limits, so one busy organisation cannot use up the service for the others.

    Fixed one-minute windows counted with the store's atomic increment (a key per organisation
    and window, so windows never overlap and a steady stream is not refused forever). The
    window is read from the clock, so tests can hold it still.
    """

    def __init__(self, store: CountingStore, *, per_minute: int, clock: Clock) -> None:
        self._store = store
        self._per_minute = per_minute
        self._clock = clock

    async def count(self, tenant: Tenant) -> None:
        """Count one request of `tenant`; TenantRateLimited beyond the minute's budget."""
        now = self._clock.now().timestamp()
        window = int(now // 60)
        key = f"tenant-requests:{tenant.organisation_id}:{window}"
        if await self._store.increment(key, 120) > self._per_minute:
            raise TenantRateLimited(retry_after=(window + 1) * 60 - now)
