"""MemberController: an organisation's members, their roles, leaving and ownership."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from application.organisations.change_member_role import (
    ChangeMemberRole,
    ChangeMemberRoleHandler,
)
from application.organisations.leave_organisation import (
    LeaveOrganisation,
    LeaveOrganisationHandler,
)
from application.organisations.list_members import ListMembers, ListMembersHandler
from application.organisations.remove_member import RemoveMember, RemoveMemberHandler
from application.organisations.transfer_ownership import (
    TransferOwnership,
    TransferOwnershipHandler,
)
from entrypoints.http.openapi import problem_responses
from entrypoints.http.schemas import Cursor
from entrypoints.http.security.authentication import principal
from entrypoints.organisations.http.controller import BEARER, AnyRequest, Limit, with_etag
from entrypoints.organisations.http.schemas import (
    MemberOut,
    MemberPageOut,
    OrganisationOut,
    OwnershipTransfer,
    RoleChange,
)


class MemberController(Controller):
    path = "/api/v1/organisations/{organisation_id:uuid}"
    tags = ["organisations"]
    security = BEARER

    @get(
        "/members",
        operation_id="listOrganisationMembers",
        summary="List an organisation's members",
        responses=problem_responses(401, 404, 422),
    )
    async def index(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        list_members: NamedDependency[ListMembersHandler],
        limit: FromQuery[Limit] = 20,
        cursor: FromQuery[Cursor] = None,
    ) -> MemberPageOut:
        """Members in the order they joined, with their roles (members only)."""
        page = await list_members(
            ListMembers(
                requester=principal(request),
                organisation_id=organisation_id,
                limit=limit,
                cursor=cursor,
            )
        )
        return MemberPageOut.of(page)

    @put(
        "/members/{user_id:uuid}/role",
        operation_id="changeOrganisationMemberRole",
        summary="Change a member's role",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def change_role(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
        data: JSONBody[RoleChange],
        change_member_role: NamedDependency[ChangeMemberRoleHandler],
    ) -> MemberOut:
        """Owners and admins; only an owner makes or unmakes an owner; the last owner stays
        one (409 last-owner)."""
        view = await change_member_role(
            ChangeMemberRole(
                requester=principal(request),
                organisation_id=organisation_id,
                user_id=user_id,
                role=data.role,
            )
        )
        return MemberOut.of(view)

    @delete(
        "/members/{user_id:uuid}",
        operation_id="removeOrganisationMember",
        summary="Remove a member",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 409),
    )
    async def remove(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
        remove_member: NamedDependency[RemoveMemberHandler],
    ) -> None:
        """Owners and admins; only an owner removes an owner, never the last (409)."""
        await remove_member(
            RemoveMember(
                requester=principal(request), organisation_id=organisation_id, user_id=user_id
            )
        )

    @post(
        "/leave",
        operation_id="leaveOrganisation",
        summary="Leave an organisation",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 404, 409),
    )
    async def leave(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        leave_organisation: NamedDependency[LeaveOrganisationHandler],
    ) -> None:
        """Any member but the last owner (409 last-owner)."""
        await leave_organisation(
            LeaveOrganisation(requester=principal(request), organisation_id=organisation_id)
        )

    @post(
        "/ownership",
        operation_id="transferOrganisationOwnership",
        summary="Transfer ownership",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def transfer(
        self,
        request: AnyRequest,
        organisation_id: FromPath[UUID],
        data: JSONBody[OwnershipTransfer],
        transfer_ownership: NamedDependency[TransferOwnershipHandler],
    ) -> Response[OrganisationOut]:
        """Owners: another member becomes an owner, and you an admin."""
        view = await transfer_ownership(
            TransferOwnership(
                requester=principal(request),
                organisation_id=organisation_id,
                to_user_id=data.user_id,
            )
        )
        return with_etag(view)
