"""The notifications context: the Notifier other contexts tell customers through."""

from __future__ import annotations

from entrypoints.module import Module
from entrypoints.notifications.container import NotificationsContainer

MODULE = Module(name="notifications", container=NotificationsContainer, stores=None)
