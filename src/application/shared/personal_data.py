"""PersonalDataExport: the sections every context registered (the root container adds them, as
it does the after-commit reactions), gathered for one person."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.shared.ports.personal_data import PersonalDataSection


class PersonalDataExport:
    def __init__(self, *sections: PersonalDataSection) -> None:
        names = [section.name for section in sections]
        if len(set(names)) != len(names):
            raise ValueError(f"two personal data sections share a name: {sorted(names)}")
        self._sections = sections

    async def __call__(self, user_id: UUID) -> dict[str, Any]:
        return {section.name: await section.export(user_id) for section in self._sections}
