"""SecondFactorCheck: is this code (or recovery code) right for this account's authenticator?

Every wrong one counts against the account; past `max_failures` within `lockout_seconds` the
account's codes are refused before any is checked (TooManyAttempts), so six digits cannot be
guessed by trying them all. A code is accepted once (its time-step is kept on the factor), a
recovery code once (its digest is dropped). Recovery codes are 80 random bits: a keyed digest
(HMAC) is enough to keep them, a slow password hash would only cost time.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from uuid import UUID

from application.identity.mfa_ports import Authenticator, FactorSecrets, FailureCounter
from domain.identity.errors import TooManyAttempts
from domain.identity.mfa_errors import InvalidSecondFactorCode
from domain.identity.second_factor import RECOVERY_CODE_COUNT, SecondFactor
from domain.shared.errors import InvalidValue

CODE_TEXT_MAX = 64


class SecondFactorCheck:
    def __init__(
        self,
        authenticator: Authenticator,
        secrets: FactorSecrets,
        failures: FailureCounter,
        *,
        max_failures: int,
        lockout_seconds: int,
    ) -> None:
        self.authenticator = authenticator
        self.secrets = secrets
        self._failures = failures
        self._max_failures = max_failures
        self._lockout = lockout_seconds

    @staticmethod
    def _key(user_id: UUID) -> str:
        return f"mfa-failures:{user_id}"

    async def ensure_not_locked(self, user_id: UUID) -> None:
        key = self._key(user_id)
        if await self._failures.failures(key) >= self._max_failures:
            remaining = await self._failures.retry_after(key)
            raise TooManyAttempts(remaining if remaining and remaining > 0 else self._lockout)

    async def verify(
        self,
        factor: SecondFactor,
        *,
        code: str | None,
        recovery_code: str | None,
        now: datetime,
    ) -> None:
        """Accept the code or spend the recovery code on `factor` (the caller saves it);
        InvalidSecondFactorCode, counted against the account, when it is wrong."""
        if (code is None) == (recovery_code is None):
            raise InvalidValue("code", "send either a code or a recovery code")
        if code is not None:
            factor.accept_step(await self.step_of(factor, code, now), now)
            return
        await self.ensure_not_locked(factor.user_id)
        try:
            factor.use_recovery_code(
                self.secrets.digest(normalize_recovery_code(recovery_code or "")), now
            )
        except InvalidSecondFactorCode:
            await self._failures.fail(self._key(factor.user_id), self._lockout)
            raise
        await self._failures.clear(self._key(factor.user_id))

    async def verify_if_on(
        self,
        factor: SecondFactor | None,
        *,
        code: str | None,
        recovery_code: str | None,
        now: datetime,
    ) -> None:
        """What a sensitive change asks beside the password: with an active authenticator, a
        code or a recovery code (`verify`); without one, nothing."""
        if factor is not None and factor.active:
            await self.verify(factor, code=code, recovery_code=recovery_code, now=now)

    async def step_of(self, factor: SecondFactor, code: str, now: datetime) -> int:
        """The time-step of a right code not used yet on `factor`; InvalidSecondFactorCode,
        counted against the account, otherwise."""
        await self.ensure_not_locked(factor.user_id)
        secret = self.secrets.open(factor.sealed_secret, factor.user_id)
        # A secret that does not open (PORTICO_MFA_SECRET_KEY changed) matches no code.
        step = (
            None
            if secret is None
            else self.authenticator.matching_step(secret, code[:CODE_TEXT_MAX].strip(), now)
        )
        if step is None or (factor.last_step is not None and step <= factor.last_step):
            await self._failures.fail(self._key(factor.user_id), self._lockout)
            raise InvalidSecondFactorCode("code")
        await self._failures.clear(self._key(factor.user_id))
        return step

    def new_recovery_codes(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Ten fresh recovery codes (to show once) and their digests (to keep)."""
        codes = tuple(_recovery_code() for _ in range(RECOVERY_CODE_COUNT))
        return codes, tuple(self.secrets.digest(normalize_recovery_code(c)) for c in codes)


def _recovery_code() -> str:
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 characters
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def normalize_recovery_code(raw: str) -> str:
    """As typed: any case, with or without the dashes and spaces."""
    return "".join(raw[:CODE_TEXT_MAX].split()).replace("-", "").lower()
