"""OwnAccountContainer: what signed-in users do with their own account beyond the password: their
sessions (list, end one, end the others), changing its address, deleting it, exporting their
data.

A part of IdentityContainer (which names these use cases as its own): it receives identity's
unit of work, hasher, clock, revocations and the platform's personal data export.
"""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from application.identity.change_email import ChangeEmailHandler
from application.identity.delete_account import DeleteAccountHandler
from application.identity.export_my_data import ExportMyDataHandler
from application.identity.my_sessions import (
    EndMyOtherSessionsHandler,
    EndMySessionHandler,
    ListMySessionsHandler,
)


class OwnAccountContainer(containers.DeclarativeContainer):
    uow: providers.Dependency[Any] = providers.Dependency()  # makes identity units of work
    hasher: providers.Dependency[Any] = providers.Dependency()
    clock: providers.Dependency[Any] = providers.Dependency()
    revocations: providers.Dependency[Any] = providers.Dependency()
    personal_data: providers.Dependency[Any] = providers.Dependency()  # PersonalDataExport
    second_factor_check: providers.Dependency[Any] = providers.Dependency()  # deletion asks a code
    ending = {"uow": uow, "clock": clock, "revocations": revocations}

    list_my_sessions = providers.Singleton(ListMySessionsHandler, uow=uow, clock=clock)
    end_my_session = providers.Singleton(EndMySessionHandler, **ending)
    end_my_other_sessions = providers.Singleton(EndMyOtherSessionsHandler, **ending)
    delete_account = providers.Singleton(
        DeleteAccountHandler, hasher=hasher, check=second_factor_check, **ending
    )
    change_email = providers.Singleton(
        ChangeEmailHandler, uow=uow, hasher=hasher, clock=clock, check=second_factor_check
    )
    export_my_data = providers.Singleton(
        ExportMyDataHandler, uow=uow, clock=clock, sections=personal_data
    )
