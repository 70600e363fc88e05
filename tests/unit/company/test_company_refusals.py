"""What a company refusal says: the API answers with the code, the reason and the field, so each is part of the
rule. One table: given these events, when this command by this actor, then exactly this refusal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from streams.company.commands import (
    AcceptInvitation,
    AddParticipant,
    ArchiveCompany,
    ChangeParticipantRole,
    CompanyCommand,
    CreateCompany,
    InviteParticipant,
    RemoveParticipant,
    RevokeInvitation,
    UnarchiveCompany,
)
from streams.company.decider import CompanyStatus, Invitation
from streams.company.events import (
    CompanyArchived,
    CompanyEvent,
    CompanyUnarchived,
    InvitationAccepted,
    InvitationRevoked,
    ParticipantAdded,
    ParticipantInvited,
    ParticipantRemoved,
    ParticipantRoleChanged,
)
from streams.company.permissions import Role
from streams.decider import Rejection, RejectionCode
from tests.unit.company.company_scenarios import (
    DAY,
    NOW,
    OWNER,
    context,
    given,
    russian_details,
    then_accepted,
    when,
)
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


def refused(code: RejectionCode, reason: str, field: str | None = None) -> Rejection:
    return Rejection(code, reason, field)


@pytest.mark.parametrize(
    ("command", "at", "expected"),
    [
        (
            invitation(email="no-at-sign", invitation_id="inv-2"),
            NOW,
            refused(RejectionCode.INVALID, "email is not a valid address", "email"),
        ),
        (
            InviteParticipant("inv-2", "b@example.com", Role.VIEWER, "", NOW + DAY),
            NOW,
            refused(RejectionCode.INVALID, "an invitation needs a token hash", "token_hash"),
        ),
        (
            InviteParticipant("inv-2", "b@example.com", Role.VIEWER, TOKEN_HASH, NOW),
            NOW,
            refused(RejectionCode.INVALID, "an invitation must expire in the future", "expires_at"),
        ),
        (
            invitation(email="b@example.com"),
            NOW,
            refused(RejectionCode.CONFLICT, "an invitation with this id already exists", "invitation_id"),
        ),
        (
            invitation(email="new.hire@example.com", invitation_id="inv-2"),
            NOW + 7 * DAY - timedelta(seconds=1),
            refused(RejectionCode.CONFLICT, "an invitation to this email is still pending", "email"),
        ),
    ],
)
def test_an_invitation_refusal_says_what_is_wrong_and_where(
    command: InviteParticipant, at: datetime, expected: Rejection
) -> None:
    assert when(invited(), command, context(ADMIN, at=at)) == expected


def test_an_invitation_to_the_same_email_may_be_renewed_the_moment_the_old_one_expires() -> None:
    renewal = InviteParticipant("inv-2", "new.hire@example.com", Role.VIEWER, "sha256:fresh", NOW + 14 * DAY)
    assert when(invited(), renewal, context(ADMIN, at=NOW + 7 * DAY)) == [
        ParticipantInvited(
            invitation_id="inv-2",
            email="new.hire@example.com",
            role=Role.VIEWER,
            token_hash="sha256:fresh",
            expires_at=NOW + 14 * DAY,
            invited_by=ADMIN,
            replaces_invitation_id="inv-1",
        )
    ]


def test_an_invitation_that_expires_a_second_after_it_is_sent_is_accepted() -> None:
    command = InviteParticipant("inv-2", "b@example.com", Role.VIEWER, TOKEN_HASH, NOW + timedelta(seconds=1))
    [event] = then_accepted(when(invited(), command, context(ADMIN)))
    assert isinstance(event, ParticipantInvited) and event.expires_at == NOW + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("command", "role"),
    [
        (AddParticipant(user_id=NEWCOMER, role=Role.ADMIN), "admin"),
        (invitation(invitation_id="inv-2", email="b@example.com", role=Role.OWNER), "owner"),
        (ChangeParticipantRole(user_id=ADMIN, role=Role.VIEWER), "admin"),
        (RemoveParticipant(user_id=OWNER), "owner"),
    ],
)
def test_an_admin_is_told_which_senior_role_only_an_owner_may_touch(command: CompanyCommand, role: str) -> None:
    second_admin = [*invited(), ParticipantAdded(user_id="user-admin-2", role=Role.ADMIN)]
    assert when(second_admin, command, context("user-admin-2")) == refused(
        RejectionCode.FORBIDDEN, f"only an owner may grant, change or remove the {role} role", "role"
    )


def test_the_gates_before_any_rule_say_why() -> None:
    assert when(STAFF, ArchiveCompany(), context(actor=None)) == refused(
        RejectionCode.UNAUTHORIZED, "a company command needs a signed-in user"
    )
    assert when([], ArchiveCompany()) == refused(RejectionCode.NOT_FOUND, "no such company")
    assert when(STAFF, ArchiveCompany(), context(NEWCOMER)) == refused(
        RejectionCode.FORBIDDEN, "company.archive needs a role in this company; the actor has none"
    )
    archived = [*invited(), CompanyArchived()]
    assert when(archived, ACCEPT, context(NEWCOMER)) == refused(RejectionCode.ILLEGAL_STATE, "the company is archived")
    assert when(archived, AddParticipant(user_id=NEWCOMER, role=Role.VIEWER)) == refused(
        RejectionCode.ILLEGAL_STATE, "the company is archived; unarchive it first"
    )
    assert when(STAFF, UnarchiveCompany()) == []


def test_the_company_remembers_each_change_of_its_people_and_invitations() -> None:
    events = [
        *invited(),
        ParticipantRoleChanged(user_id=VIEWER, previous_role=Role.VIEWER, role=Role.ACCOUNTANT),
        ParticipantRemoved(user_id=ADMIN, role=Role.ADMIN),
        ParticipantInvited("inv-2", "b@example.com", Role.VIEWER, "sha256:b", NOW + DAY, OWNER),
        InvitationAccepted(invitation_id="inv-1", user_id=NEWCOMER, email="new.hire@example.com"),
        ParticipantAdded(user_id=NEWCOMER, role=Role.OPERATOR),
    ]
    company = given(events)
    assert [(p.user_id, p.role) for p in company.participants] == [
        (OWNER, Role.OWNER),
        ("user-op", Role.OPERATOR),
        ("user-acc", Role.ACCOUNTANT),
        (VIEWER, Role.ACCOUNTANT),
        (NEWCOMER, Role.OPERATOR),
    ]
    assert company.invitations == (Invitation("inv-2", "b@example.com", Role.VIEWER, "sha256:b", NOW + DAY, OWNER),)
    assert company.invitation("inv-2") == company.invitations[0] and company.invitation("inv-1") is None
    assert (company.role_of(NEWCOMER), company.role_of("user-nobody"), company.owner_count()) == (
        Role.OPERATOR,
        None,
        1,
    )
    revoked = given([*events, InvitationRevoked(invitation_id="inv-2", email="b@example.com")])
    assert revoked.invitations == ()


def test_an_unknown_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a company event"):
        given([*STAFF, "archived"])  # type: ignore[list-item]


def test_an_unarchived_company_is_active_again() -> None:
    assert given([*STAFF, CompanyArchived(), CompanyUnarchived()]).status is CompanyStatus.ACTIVE
