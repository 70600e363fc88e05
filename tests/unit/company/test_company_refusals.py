"""What a company refusal says: the API answers with the code, the reason and the field, so each is part of the
rule. One table: given these events, when this command by this actor, then exactly this refusal."""

from __future__ import annotations

from datetime import datetime

import pytest

from streams.company.commands import (
    AcceptInvitation,
    AddParticipant,
    ArchiveCompany,
    ChangeParticipantRole,
    CompanyCommand,
    CreateCompany,
    RevokeInvitation,
)
from streams.company.events import CompanyArchived, CompanyEvent, InvitationRevoked
from streams.company.permissions import Role
from streams.decider import Rejection, RejectionCode
from tests.unit.company.company_scenarios import DAY, NOW, OWNER, context, russian_details, then_accepted, when
from tests.unit.company.test_company_decider import (
    ADMIN,
    NEWCOMER,
    STAFF,
    TOKEN_HASH,
    VIEWER,
    invitation,
    invited,
)

LAST_OWNER = Rejection(
    RejectionCode.ILLEGAL_STATE, "the last owner cannot be removed or demoted; make another owner first", "user_id"
)
ACCEPT = AcceptInvitation(token_hash=TOKEN_HASH, email="new.hire@example.com")


@pytest.mark.parametrize(
    ("events", "command", "actor", "at", "expected"),
    [
        (
            STAFF,
            CreateCompany(details=russian_details()),
            OWNER,
            NOW,
            Rejection(RejectionCode.CONFLICT, "this company already exists"),
        ),
        (
            STAFF,
            AddParticipant(user_id=VIEWER, role=Role.OPERATOR),
            OWNER,
            NOW,
            Rejection(RejectionCode.CONFLICT, "this user is already a participant", "user_id"),
        ),
        (
            STAFF,
            ChangeParticipantRole(user_id=NEWCOMER, role=Role.VIEWER),
            OWNER,
            NOW,
            Rejection(RejectionCode.NOT_FOUND, "no such participant", "user_id"),
        ),
        (STAFF, ChangeParticipantRole(user_id=OWNER, role=Role.ADMIN), OWNER, NOW, LAST_OWNER),
        (
            # the sole owner "changing" their own role to owner keeps an owner: refused only as their own role
            STAFF,
            ChangeParticipantRole(user_id=OWNER, role=Role.OWNER),
            OWNER,
            NOW,
            Rejection(RejectionCode.FORBIDDEN, "a participant cannot change their own role", "user_id"),
        ),
        (
            invited(),
            AcceptInvitation(token_hash="sha256:guess", email="new.hire@example.com"),
            NEWCOMER,
            NOW,
            Rejection(RejectionCode.UNAUTHORIZED, "the invitation is invalid, revoked or already used", "token"),
        ),
        (
            invited(),
            ACCEPT,
            NEWCOMER,
            NOW + 7 * DAY,
            Rejection(RejectionCode.UNAUTHORIZED, "the invitation has expired", "token"),
        ),
        (
            invited(),
            AcceptInvitation(token_hash=TOKEN_HASH, email="someone.else@example.com"),
            NEWCOMER,
            NOW,
            Rejection(RejectionCode.FORBIDDEN, "the invitation was sent to another email address", "email"),
        ),
        (
            invited(),
            ACCEPT,
            VIEWER,
            NOW,
            Rejection(RejectionCode.CONFLICT, "this user is already a participant", "user_id"),
        ),
        (
            invited(),
            RevokeInvitation(invitation_id="inv-9"),
            ADMIN,
            NOW,
            Rejection(RejectionCode.NOT_FOUND, "no such pending invitation", "invitation_id"),
        ),
        (
            STAFF,
            ArchiveCompany(reason="x" * 501),
            OWNER,
            NOW,
            Rejection(RejectionCode.INVALID, "reason must be 1 to 500 characters", "reason"),
        ),
    ],
)
def test_each_refusal_says_what_is_wrong_and_where(
    events: list[CompanyEvent], command: CompanyCommand, actor: str, at: datetime, expected: Rejection
) -> None:
    assert when(events, command, context(actor, at=at)) == expected


def test_an_archive_reason_may_be_up_to_five_hundred_characters() -> None:
    reason = "x" * 500
    assert then_accepted(when(STAFF, ArchiveCompany(reason=reason))) == [CompanyArchived(reason=reason)]


def test_an_owner_revokes_an_invitation_to_become_admin() -> None:
    events = [*STAFF, *then_accepted(when(STAFF, invitation(role=Role.ADMIN)))]
    assert then_accepted(when(events, RevokeInvitation(invitation_id="inv-1"), context(OWNER))) == [
        InvitationRevoked(invitation_id="inv-1", email="new.hire@example.com")
    ]
