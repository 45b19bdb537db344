"""HttpPaymentGateway: a payment provider's REST API through httpx.

The provider's API (what the loopback provider of the tests implements, and what a real
provider's client would be adapted to):

    POST /v1/authorizations   Idempotency-Key: <key>   {"token", "amount", "currency"}
      200 {"id", "status": "approved" | "declined", "decline_reason"}
    POST /v1/refunds          Idempotency-Key: <key>   {"authorization_id", "amount", "currency"}
      200 {"id", "status": "succeeded"}
    4xx {"error": "..."}: the request is wrong (e.g. a reused key with another body): no retry.

Resilience, from the inside out:
- every request has a timeout;
- safe failures (connection refused or reset, timeouts, 5xx, 429) are retried a bounded number
  of times with exponential backoff and jitter (tenacity). They are safe because every retry
  carries the same idempotency key, so the provider charges or refunds once;
- `guard`, if given, wraps each whole operation (all its retries): the seam for a circuit
  breaker. A guard is any async callable `guard(operation)` that awaits `operation()` or
  refuses at once; to answer 503 when it refuses, it raises PaymentUnavailable.
When the retries are spent, PaymentUnavailable is raised (with the provider's Retry-After if
it sent one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from application.ordering.payments import Authorization, PaymentGateway, Refund
from domain.ordering.errors import PaymentRejected, PaymentUnavailable
from domain.shared.money import Money

T = TypeVar("T")
_log = structlog.get_logger("portico.payments")


class CallGuard(Protocol):
    def __call__(self, operation: Callable[[], Awaitable[T]]) -> Awaitable[T]: ...


class _SafeToRetry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class HttpPaymentGateway(PaymentGateway):
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff_initial: float = 0.1,
        backoff_max: float = 2.0,
        guard: CallGuard | None = None,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, headers=headers, transport=transport
        )
        self._attempts = attempts
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._guard = guard

    async def authorize(
        self, *, payment_token: str, amount: Money, idempotency_key: str
    ) -> Authorization:
        body = await self._call(
            "/v1/authorizations",
            {"token": payment_token, "amount": str(amount.amount), "currency": amount.currency},
            idempotency_key,
        )
        if body.get("status") == "approved":
            return Authorization(approved=True, reference=str(body["id"]))
        return Authorization(approved=False, decline_reason=str(body.get("decline_reason") or ""))

    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        body = await self._call(
            "/v1/refunds",
            {
                "authorization_id": authorization,
                "amount": str(amount.amount),
                "currency": amount.currency,
            },
            idempotency_key,
        )
        return Refund(reference=str(body["id"]))

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, path: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
        async def operation() -> dict[str, Any]:
            return await self._with_retries(path, payload, key)

        if self._guard is None:
            return await operation()
        return await self._guard(operation)

    async def _with_retries(self, path: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(
                multiplier=self._backoff_initial,
                jitter=self._backoff_initial,
                max=self._backoff_max,
            ),
            retry=retry_if_exception_type(_SafeToRetry),
            before_sleep=_log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send(path, payload, key)
        except _SafeToRetry as error:
            raise PaymentUnavailable(
                f"the payment provider failed {self._attempts} times: {error}",
                retry_after=error.retry_after,
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _send(self, path: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
        try:
            response = await self._client.post(path, json=payload, headers={"Idempotency-Key": key})
        except httpx.TimeoutException:
            raise _SafeToRetry("no answer within the timeout") from None
        except httpx.TransportError as error:
            raise _SafeToRetry(f"{type(error).__name__}: {error}") from None
        status = response.status_code
        if status >= 500 or status == 429:
            raise _SafeToRetry(f"HTTP {status}", _retry_after(response))
        if status >= 400:
            raise PaymentRejected(f"the payment provider refused: {_error_text(response)}")
        body: dict[str, Any] = response.json()
        return body


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text[:200]


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    _log.warning("payments.retry", attempt=state.attempt_number, reason=str(error))
