"""PersonalDataSection: one context's part of what the service holds about a person.

A context that keeps data about its users registers a section (its container's
`personal_data` list); the account export (`GET /api/v1/users/me/export`) gathers them. Removing
a context removes its section with it; nobody names another context's section.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar
from uuid import UUID


class PersonalDataSection(ABC):
    name: ClassVar[str]  # the section's key in the export ("orders")

    @abstractmethod
    async def export(self, user_id: UUID) -> Any:
        """What this context holds about the user, as plain data (JSON-encodable)."""
