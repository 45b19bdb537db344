"""IdGenerator port: where new aggregate ids come from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from uuid import UUID


class IdGenerator(ABC):
    @abstractmethod
    def new_id(self) -> UUID: ...
