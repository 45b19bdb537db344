"""UserController: /api/v1/users. Your own account; user managers see and change everyone's."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.identity.change_email import ChangeEmail, ChangeEmailHandler
from application.identity.change_password import ChangePassword, ChangePasswordHandler
from application.identity.change_user_access import ChangeUserAccess, ChangeUserAccessHandler
from application.identity.delete_account import DeleteAccountHandler, DeleteMyAccount, DeleteUser
from application.identity.export_my_data import ExportMyData, ExportMyDataHandler
from application.identity.get_me import GetMe, GetMeHandler
from application.identity.get_user import GetUser, GetUserHandler
from application.identity.list_users import ListUsers, ListUsersHandler
from application.shared.pagination import MAX_PAGE_SIZE
from domain.identity.roles import Permission, parse_roles
from entrypoints.http.openapi import problem_responses
from entrypoints.http.preconditions import IfMatch, etag, expected_version
from entrypoints.http.responses import Response
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.authentication import principal
from entrypoints.http.security.permissions import requires
from entrypoints.http.security.rate_limits import CHECKS_A_PASSWORD
from entrypoints.identity.http.schemas import (
    AccessChanges,
    AccountDeletion,
    EmailChange,
    MyDataOut,
    PasswordChange,
    UserOut,
    UserPageOut,
)

AnyRequest = Request[Any, Any, Any]
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["identity"]
    security = BEARER

    @get(
        "/me",
        operation_id="getMe",
        summary="Get the signed-in user",
        responses=problem_responses(404),
    )
    async def me(self, request: AnyRequest, get_me: NamedDependency[GetMeHandler]) -> UserOut:
        """Your own account."""
        return UserOut.of(await get_me(GetMe(principal(request))))

    @get(
        "/me/export",
        operation_id="exportMyData",
        summary="Export what the service holds about you",
        responses=problem_responses(404),
    )
    async def export(
        self, request: AnyRequest, export_my_data: NamedDependency[ExportMyDataHandler]
    ) -> MyDataOut:
        """Your account, your sessions, and what each part of the service holds about you (your
        orders), as JSON."""
        return MyDataOut.of(await export_my_data(ExportMyData(principal(request))))

    @get(
        operation_id="listUsers",
        summary="List users",
        opt=requires(Permission.USERS_MANAGE),
    )
    async def list(
        self,
        request: AnyRequest,
        list_users: NamedDependency[ListUsersHandler],
        limit: FromQuery[Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)]] = 20,
        cursor: FromQuery[Cursor] = None,
    ) -> UserPageOut:
        """Every account, in sign-up order (users:manage)."""
        page = await list_users(ListUsers(requester=principal(request), limit=limit, cursor=cursor))
        return UserPageOut.of(page)

    @get("/{user_id:uuid}", operation_id="getUser", summary="Get a user")
    async def get(
        self,
        request: AnyRequest,
        user_id: FromPath[UUID],
        get_user: NamedDependency[GetUserHandler],
    ) -> Response[UserOut]:
        """One account: your own, or anyone's with users:manage. Others answer 404."""
        view = await get_user(GetUser(principal(request), user_id))
        return Response(UserOut.of(view), headers={"ETag": etag(view.version)})

    @patch(
        "/{user_id:uuid}",
        operation_id="changeUserAccess",
        summary="Change a user's role or activation",
        opt=requires(Permission.USERS_MANAGE),
        responses=problem_responses(409),
    )
    async def change_access(
        self,
        request: AnyRequest,
        user_id: FromPath[UUID],
        data: JSONBody[AccessChanges],
        change_user_access: NamedDependency[ChangeUserAccessHandler],
        if_match: IfMatch = None,
    ) -> Response[UserOut]:
        """Change someone's roles or (de)activate them (users:manage). Their access tokens stop
        working at once; a deactivation also ends their sessions."""
        roles = None if data.roles is msgspec.UNSET else parse_roles(data.roles)
        view = await change_user_access(
            ChangeUserAccess(
                requester=principal(request),
                user_id=user_id,
                roles=roles,
                active=None if data.active is msgspec.UNSET else data.active,
                expected_version=expected_version(if_match),
            )
        )
        return Response(UserOut.of(view), headers={"ETag": etag(view.version)})

    @delete(
        "/me",
        operation_id="deleteMyAccount",
        summary="Delete your account",
        responses=problem_responses(401, 409),
        opt={CHECKS_A_PASSWORD: True},  # counted with the sign-in routes, per client address
    )
    async def delete_my_account(
        self,
        request: AnyRequest,
        data: JSONBody[AccountDeletion],
        delete_account: NamedDependency[DeleteAccountHandler],
    ) -> None:
        """Delete your account, with your password (and a `code` or `recovery_code` when your
        second factor is on). Your email, password and roles are erased
        (the address may sign up again), every session ends; your orders stay, with only the
        account's id. The last active administrator cannot be deleted (409 last-admin)."""
        await delete_account(
            DeleteMyAccount(
                requester=principal(request),
                password=data.password,
                code=data.code,
                recovery_code=data.recovery_code,
            )
        )

    @delete(
        "/{user_id:uuid}",
        operation_id="deleteUser",
        summary="Delete a user's account",
        opt=requires(Permission.USERS_MANAGE),
        responses=problem_responses(404, 409),
    )
    async def delete_user(
        self,
        request: AnyRequest,
        user_id: FromPath[UUID],
        delete_account: NamedDependency[DeleteAccountHandler],
    ) -> None:
        """Delete someone's account (users:manage): as when they delete it themselves. The last
        active administrator cannot be deleted (409 last-admin)."""
        await delete_account(DeleteUser(requester=principal(request), user_id=user_id))


class PasswordController(Controller):
    """/api/v1/users/me/password: mounted with the sign-in routes, under their rate limit, since
    it checks a password too."""

    path = "/api/v1/users/me/password"
    tags = ["identity"]
    security = BEARER

    @post(
        operation_id="changePassword",
        summary="Change your password",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def change_password(
        self,
        request: AnyRequest,
        data: JSONBody[PasswordChange],
        change_password: NamedDependency[ChangePasswordHandler],
    ) -> None:
        """Change your password. Your other sessions end (their refresh and access tokens stop
        working); this one goes on."""
        await change_password(
            ChangePassword(
                requester=principal(request),
                current_password=data.current_password,
                new_password=data.new_password,
            )
        )


class EmailController(Controller):
    """/api/v1/users/me/email: mounted with the sign-in routes, under their rate limit, since it
    checks a password too."""

    path = "/api/v1/users/me/email"
    tags = ["identity"]
    security = BEARER

    @post(
        operation_id="changeMyEmail",
        summary="Change your email address",
        status_code=200,
        responses=problem_responses(401, 409),
    )
    async def change_email(
        self,
        request: AnyRequest,
        data: JSONBody[EmailChange],
        change_email: NamedDependency[ChangeEmailHandler],
    ) -> UserOut:
        """Give your account a new address, with your password (and a `code` or
        `recovery_code` when your second factor is on). It is yours at once, unverified: a
        verification link goes to it, and the previous address is told. An address another
        account has: 409 email-taken."""
        view = await change_email(
            ChangeEmail(
                requester=principal(request),
                password=data.password,
                new_email=data.new_email,
                code=data.code,
                recovery_code=data.recovery_code,
            )
        )
        return UserOut.of(view)
