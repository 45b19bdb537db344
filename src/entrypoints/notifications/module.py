"""The notifications context: the Notifier other contexts tell customers through."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entrypoints.module import Module

if TYPE_CHECKING:
    from entrypoints.module_container import ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.notifications.container import NotificationsContainer

    return NotificationsContainer


MODULE = Module(name="notifications", container=container, stores=None)
