"""PaymentGateway port: authorize and refund payments at a provider.

Both calls take an idempotency key: a retry with the same key never charges or refunds twice,
and returns the first answer. A card decline is an answer (`Authorization.approved` False), not
an error; PaymentUnavailable means the provider could not be reached or answer in time, and
whether the call took effect is unknown until it is retried with the same key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class Authorization:
    approved: bool
    reference: str | None = None
    decline_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Refund:
    reference: str


class PaymentGateway(ABC):
    @abstractmethod
    async def authorize(
        self, *, payment_token: str, amount: Money, idempotency_key: str
    ) -> Authorization:
        """Charge `amount` to what `payment_token` stands for (a card tokenised by the provider)."""

    @abstractmethod
    async def refund(self, *, authorization: str, amount: Money, idempotency_key: str) -> Refund:
        """Give back `amount` of an approved authorization."""
