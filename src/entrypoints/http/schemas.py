"""Schemas shared by every context's HTTP part."""

from __future__ import annotations

import msgspec


class MoneyOut(msgspec.Struct):
    amount: str
    currency: str
