"""Tenant: the organisation a request acts within, handed to use cases as a value.

The entrypoint resolves it (and checks membership) once per request; nothing below it reads a
global. With tenancy off every request acts within SINGLE, so a port that takes a tenant keeps
one code path (docs/tenancy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Tenant:
    organisation_id: UUID

    # The one tenant of a deployment with tenancy off (and where single-tenant data belongs).
    SINGLE_ID: ClassVar[UUID] = UUID("00000000-0000-0000-0000-000000000000")

    @classmethod
    def single(cls) -> Tenant:
        return cls(cls.SINGLE_ID)

    @property
    def is_single(self) -> bool:
        return self.organisation_id == self.SINGLE_ID
