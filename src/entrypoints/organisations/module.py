"""The organisations context: organisations, their members' roles, and invitations by mail."""

from __future__ import annotations

from typing import Any

from application.organisations.organisations_events import ORGANISATIONS_EVENTS
from entrypoints.module import HttpPart, Module, ModuleContainer


def container() -> type[ModuleContainer]:
    from entrypoints.organisations.container import OrganisationsContainer

    return OrganisationsContainer


def http(root: Any) -> HttpPart:
    from entrypoints.organisations.http.controller import OrganisationController
    from entrypoints.organisations.http.invitations import InvitationController
    from entrypoints.organisations.http.members import MemberController

    return HttpPart(route_handlers=[OrganisationController, MemberController, InvitationController])


MODULE = Module(
    name="organisations",
    container=container,
    needs=("identity",),
    http=http,
    events=ORGANISATIONS_EVENTS,
    stores=("sql", "memory"),
)
