"""The company decider: given these events, when this command, then these events or this rejection."""

from __future__ import annotations

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
    UpdateCompanyDetails,
)
from streams.company.decider import CompanyStatus
from streams.company.details import validate_details
from streams.company.events import (
    CompanyArchived,
    CompanyCreated,
    CompanyDetailsUpdated,
    CompanyEvent,
    CompanyUnarchived,
    InvitationAccepted,
    InvitationRevoked,
    ParticipantAdded,
    ParticipantInvited,
    ParticipantRemoved,
    ParticipantRoleChanged,
)
from streams.company.permissions import ROLE_CLAIM, Role
from streams.decider import Rejection, RejectionCode
from tests.unit.company.company_scenarios import (
    DAY,
    NOW,
    OTHER_TENANT,
    OWNER,
    TENANT,
    company_created,
    context,
    german_details,
    given,
    russian_details,
    then_accepted,
    when,
    with_participants,
)

ADMIN, OPERATOR, ACCOUNTANT, VIEWER, SECOND_OWNER = "user-admin", "user-op", "user-acc", "user-viewer", "user-owner-2"
STAFF = with_participants(
    (ADMIN, Role.ADMIN), (OPERATOR, Role.OPERATOR), (ACCOUNTANT, Role.ACCOUNTANT), (VIEWER, Role.VIEWER)
)
NEWCOMER = "user-new"
TOKEN_HASH = "sha256:5f2b8c0e"


def rejected(decision: object, code: RejectionCode, field: str | None = None) -> Rejection:
    assert isinstance(decision, Rejection), f"expected {code}, got events {decision}"
    assert decision.code is code, decision
    if field is not None:
        assert decision.field == field, decision
    return decision


def invitation(
    invitation_id: str = "inv-1", email: str = "New.Hire@Example.com ", role: Role = Role.OPERATOR
) -> InviteParticipant:
    return InviteParticipant(
        invitation_id=invitation_id, email=email, role=role, token_hash=TOKEN_HASH, expires_at=NOW + 7 * DAY
    )


def invited(role: Role = Role.OPERATOR) -> list[CompanyEvent]:
    return [*STAFF, *then_accepted(when(STAFF, invitation(role=role)))]


# --- creating a company -------------------------------------------------------------------------


def test_the_creator_of_a_company_becomes_its_owner_and_its_id_is_the_tenant() -> None:
    events = then_accepted(when([], CreateCompany(details=russian_details(inn=" 7707083893")), context(actor="u-1")))
    normal = validate_details(russian_details())
    assert not isinstance(normal, Rejection)
    assert events == [
        CompanyCreated(company_id=TENANT, details=normal, created_by="u-1"),
        ParticipantAdded(user_id="u-1", role=Role.OWNER),
    ]
    company = given(events)
    assert company.status is CompanyStatus.ACTIVE
    assert company.role_of("u-1") is Role.OWNER


def test_a_company_is_created_once() -> None:
    rejected(when(company_created(), CreateCompany(details=german_details())), RejectionCode.CONFLICT)


def test_a_company_command_needs_a_signed_in_actor_and_a_tenant() -> None:
    rejected(when([], CreateCompany(details=russian_details()), context(actor=None)), RejectionCode.UNAUTHORIZED)
    rejected(when([], CreateCompany(details=russian_details()), context(tenant=None)), RejectionCode.UNAUTHORIZED)


def test_commands_on_a_company_that_does_not_exist_find_nothing() -> None:
    rejected(when([], UpdateCompanyDetails(details=russian_details())), RejectionCode.NOT_FOUND)


# --- tenancy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        UpdateCompanyDetails(details=german_details()),
        AddParticipant(user_id=NEWCOMER, role=Role.VIEWER),
        ArchiveCompany(),
        AcceptInvitation(token_hash=TOKEN_HASH, email="new.hire@example.com"),
        CreateCompany(details=german_details()),
    ],
)
def test_a_command_from_another_tenant_is_told_there_is_no_such_company(command: CompanyCommand) -> None:
    # The owner's own user id does not help: the tenant in the signed context is what counts.
    decision = when(invited(), command, context(actor=OWNER, tenant=OTHER_TENANT))
    assert decision == Rejection(RejectionCode.NOT_FOUND, "no such company")


# --- details and archiving ----------------------------------------------------------------------


def test_an_admin_updates_the_details_and_an_unchanged_update_records_nothing() -> None:
    events = then_accepted(
        when(STAFF, UpdateCompanyDetails(details=russian_details(short_name="Sber")), context(ADMIN))
    )
    assert [type(e) for e in events] == [CompanyDetailsUpdated]
    details = given([*STAFF, *events]).details
    assert details is not None and details.short_name == "Sber"
    assert then_accepted(when(STAFF, UpdateCompanyDetails(details=russian_details()), context(ADMIN))) == []


def test_an_update_is_validated_like_a_creation() -> None:
    rejected(when(STAFF, UpdateCompanyDetails(details=russian_details(kpp="77360100"))), RejectionCode.INVALID, "kpp")


def test_an_archived_company_refuses_changes_until_the_owner_unarchives_it() -> None:
    archived = [*invited(), *then_accepted(when(invited(), ArchiveCompany(reason="merged into parent")))]
    assert archived[-1] == CompanyArchived(reason="merged into parent")
    assert given(archived).status is CompanyStatus.ARCHIVED
    rejected(when(archived, UpdateCompanyDetails(details=russian_details(short_name="X"))), RejectionCode.ILLEGAL_STATE)
    rejected(when(archived, AddParticipant(user_id=NEWCOMER, role=Role.VIEWER)), RejectionCode.ILLEGAL_STATE)
    accept = AcceptInvitation(token_hash=TOKEN_HASH, email="new.hire@example.com")
    rejected(when(archived, accept, context(NEWCOMER)), RejectionCode.ILLEGAL_STATE)
    assert then_accepted(when(archived, ArchiveCompany())) == []
    rejected(when(archived, UnarchiveCompany(), context(ADMIN)), RejectionCode.FORBIDDEN)
    unarchived = [*archived, *then_accepted(when(archived, UnarchiveCompany()))]
    assert unarchived[-1] == CompanyUnarchived()
    # Pending invitations survive archiving: after unarchiving the invitee can still join.
    assert then_accepted(when(unarchived, accept, context(NEWCOMER)))[-1] == ParticipantAdded(NEWCOMER, Role.OPERATOR)


# --- who may do what ----------------------------------------------------------------------------

# Every company command each role may NOT give, written out by hand (on a company that has
# one owner, an admin, an operator, an accountant, a viewer and a pending invitation to an admin).
RANK_AND_FILE_FORBIDDEN: list[CompanyCommand] = [
    UpdateCompanyDetails(details=russian_details(short_name="Sber")),
    ArchiveCompany(),
    AddParticipant(user_id=NEWCOMER, role=Role.VIEWER),
    RemoveParticipant(user_id=VIEWER),
    ChangeParticipantRole(user_id=VIEWER, role=Role.OPERATOR),
    invitation(invitation_id="inv-2", email="other@example.com", role=Role.VIEWER),
    RevokeInvitation(invitation_id="inv-1"),
]
FORBIDDEN: dict[str, list[CompanyCommand]] = {
    OPERATOR: RANK_AND_FILE_FORBIDDEN,
    ACCOUNTANT: RANK_AND_FILE_FORBIDDEN,
    VIEWER: RANK_AND_FILE_FORBIDDEN,
    ADMIN: [
        ArchiveCompany(),
        AddParticipant(user_id=NEWCOMER, role=Role.ADMIN),
        AddParticipant(user_id=NEWCOMER, role=Role.OWNER),
        ChangeParticipantRole(user_id=VIEWER, role=Role.ADMIN),
        ChangeParticipantRole(user_id=OWNER, role=Role.VIEWER),
        RemoveParticipant(user_id=OWNER),
        ChangeParticipantRole(user_id=ADMIN, role=Role.VIEWER),
        invitation(invitation_id="inv-2", email="other@example.com", role=Role.ADMIN),
        RevokeInvitation(invitation_id="inv-1"),  # the pending invitation is to an admin
    ],
    "user-stranger": [UpdateCompanyDetails(details=russian_details(short_name="Sber")), ArchiveCompany()],
}


@pytest.mark.parametrize(
    ("actor", "command"), [(actor, command) for actor, commands in FORBIDDEN.items() for command in commands]
)
def test_each_role_is_forbidden_its_forbidden_company_commands(actor: str, command: CompanyCommand) -> None:
    decision = when(invited(role=Role.ADMIN), command, context(actor))
    rejected(decision, RejectionCode.FORBIDDEN)


def test_the_role_comes_from_the_company_not_from_the_token_claim() -> None:
    claims_owner = context(VIEWER, claims=((ROLE_CLAIM, "owner"),))
    rejected(when(STAFF, ArchiveCompany(), claims_owner), RejectionCode.FORBIDDEN)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.ACCOUNTANT, Role.VIEWER])
def test_an_admin_manages_operators_accountants_and_viewers(role: Role) -> None:
    added = then_accepted(when(STAFF, AddParticipant(user_id=NEWCOMER, role=role), context(ADMIN)))
    assert added == [ParticipantAdded(user_id=NEWCOMER, role=role)]
    changed = then_accepted(when(STAFF, ChangeParticipantRole(user_id=VIEWER, role=role), context(ADMIN)))
    assert changed == ([] if role is Role.VIEWER else [ParticipantRoleChanged(VIEWER, Role.VIEWER, role)])
    removed = then_accepted(when([*STAFF, *added], RemoveParticipant(user_id=NEWCOMER), context(ADMIN)))
    assert removed == [ParticipantRemoved(user_id=NEWCOMER, role=role)]
    assert given([*STAFF, *added, *removed]).role_of(NEWCOMER) is None


def test_an_owner_promotes_to_admin_and_to_owner() -> None:
    to_admin = then_accepted(when(STAFF, ChangeParticipantRole(user_id=OPERATOR, role=Role.ADMIN)))
    assert to_admin == [ParticipantRoleChanged(user_id=OPERATOR, previous_role=Role.OPERATOR, role=Role.ADMIN)]
    to_owner = then_accepted(when(STAFF, AddParticipant(user_id=SECOND_OWNER, role=Role.OWNER)))
    assert given([*STAFF, *to_owner]).owner_count() == 2


def test_adding_someone_already_in_the_company_conflicts() -> None:
    rejected(when(STAFF, AddParticipant(user_id=VIEWER, role=Role.OPERATOR)), RejectionCode.CONFLICT, "user_id")


def test_removing_or_changing_someone_not_in_the_company_finds_nobody() -> None:
    rejected(when(STAFF, RemoveParticipant(user_id=NEWCOMER)), RejectionCode.NOT_FOUND, "user_id")
    rejected(when(STAFF, ChangeParticipantRole(user_id=NEWCOMER, role=Role.VIEWER)), RejectionCode.NOT_FOUND, "user_id")


# --- the last owner and one's own role ----------------------------------------------------------


def test_the_last_owner_can_be_neither_removed_nor_demoted() -> None:
    rejected(when(STAFF, RemoveParticipant(user_id=OWNER)), RejectionCode.ILLEGAL_STATE, "user_id")
    rejected(when(STAFF, ChangeParticipantRole(user_id=OWNER, role=Role.ADMIN)), RejectionCode.ILLEGAL_STATE, "user_id")


def test_with_two_owners_one_may_remove_or_demote_the_other() -> None:
    two_owners = [*STAFF, ParticipantAdded(user_id=SECOND_OWNER, role=Role.OWNER)]
    demoted = then_accepted(when(two_owners, ChangeParticipantRole(user_id=SECOND_OWNER, role=Role.ADMIN)))
    assert demoted == [ParticipantRoleChanged(SECOND_OWNER, Role.OWNER, Role.ADMIN)]
    removed = then_accepted(when(two_owners, RemoveParticipant(user_id=OWNER), context(SECOND_OWNER)))
    assert removed == [ParticipantRemoved(user_id=OWNER, role=Role.OWNER)]
    # ...after which SECOND_OWNER is the last owner and keeps the company.
    rejected(
        when([*two_owners, *removed], RemoveParticipant(user_id=SECOND_OWNER), context(SECOND_OWNER)),
        RejectionCode.ILLEGAL_STATE,
    )


def test_nobody_changes_their_own_role() -> None:
    two_owners = [*STAFF, ParticipantAdded(user_id=SECOND_OWNER, role=Role.OWNER)]
    rejected(
        when(two_owners, ChangeParticipantRole(user_id=OWNER, role=Role.ADMIN)), RejectionCode.FORBIDDEN, "user_id"
    )


# --- invitations --------------------------------------------------------------------------------


def test_an_invitation_records_the_normalised_email_the_role_and_the_token_hash() -> None:
    events = then_accepted(when(STAFF, invitation(), context(ADMIN)))
    assert events == [
        ParticipantInvited(
            invitation_id="inv-1",
            email="new.hire@example.com",
            role=Role.OPERATOR,
            token_hash=TOKEN_HASH,
            expires_at=NOW + 7 * DAY,
            invited_by=ADMIN,
        )
    ]


def test_the_invited_user_joins_with_the_invited_role_before_expiry() -> None:
    accept = AcceptInvitation(token_hash=TOKEN_HASH, email="NEW.HIRE@example.com")
    events = then_accepted(when(invited(), accept, context(NEWCOMER, at=NOW + 6 * DAY)))
    assert events == [
        InvitationAccepted(invitation_id="inv-1", user_id=NEWCOMER, email="new.hire@example.com"),
        ParticipantAdded(user_id=NEWCOMER, role=Role.OPERATOR),
    ]
    joined = [*invited(), *events]
    assert given(joined).role_of(NEWCOMER) is Role.OPERATOR
    # The token is spent: a second use finds no invitation.
    rejected(when(joined, accept, context("user-someone", at=NOW + DAY)), RejectionCode.UNAUTHORIZED, "token")


def test_an_expired_invitation_cannot_be_accepted() -> None:
    accept = AcceptInvitation(token_hash=TOKEN_HASH, email="new.hire@example.com")
    rejected(when(invited(), accept, context(NEWCOMER, at=NOW + 7 * DAY)), RejectionCode.UNAUTHORIZED, "token")


def test_an_invitation_is_accepted_only_by_the_invited_email() -> None:
    accept = AcceptInvitation(token_hash=TOKEN_HASH, email="someone.else@example.com")
    rejected(when(invited(), accept, context(NEWCOMER)), RejectionCode.FORBIDDEN, "email")


def test_an_unknown_token_is_refused() -> None:
    accept = AcceptInvitation(token_hash="sha256:guess", email="new.hire@example.com")
    rejected(when(invited(), accept, context(NEWCOMER)), RejectionCode.UNAUTHORIZED, "token")


def test_a_participant_cannot_accept_an_invitation_into_the_same_company() -> None:
    accept = AcceptInvitation(token_hash=TOKEN_HASH, email="new.hire@example.com")
    rejected(when(invited(), accept, context(VIEWER)), RejectionCode.CONFLICT, "user_id")


@pytest.mark.parametrize(
    ("command", "code", "field"),
    [
        (invitation(email="not-an-email"), RejectionCode.INVALID, "email"),
        (
            InviteParticipant("inv-9", "a@example.com", Role.VIEWER, TOKEN_HASH, expires_at=NOW),
            RejectionCode.INVALID,
            "expires_at",
        ),
        (invitation(email="NEW.HIRE@example.com", invitation_id="inv-9"), RejectionCode.CONFLICT, "email"),
        (invitation(email="b@example.com"), RejectionCode.CONFLICT, "invitation_id"),
    ],
)
def test_a_bad_or_duplicate_invitation_is_refused(command: InviteParticipant, code: RejectionCode, field: str) -> None:
    rejected(when(invited(), command), code, field)


def test_a_new_invitation_replaces_an_expired_one_to_the_same_email() -> None:
    later = context(at=NOW + 8 * DAY)
    renewal = InviteParticipant("inv-2", "new.hire@example.com", Role.VIEWER, "sha256:fresh", NOW + 15 * DAY)
    events = then_accepted(when(invited(), renewal, later))
    assert isinstance(events[0], ParticipantInvited) and events[0].replaces_invitation_id == "inv-1"
    company = given([*invited(), *events])
    assert [i.invitation_id for i in company.invitations] == ["inv-2"]


def test_a_revoked_invitation_cannot_be_accepted() -> None:
    revoked = then_accepted(when(invited(), RevokeInvitation(invitation_id="inv-1"), context(ADMIN)))
    assert revoked == [InvitationRevoked(invitation_id="inv-1", email="new.hire@example.com")]
    accept = AcceptInvitation(token_hash=TOKEN_HASH, email="new.hire@example.com")
    rejected(when([*invited(), *revoked], accept, context(NEWCOMER)), RejectionCode.UNAUTHORIZED, "token")
    rejected(when([*invited(), *revoked], RevokeInvitation("inv-1")), RejectionCode.NOT_FOUND, "invitation_id")


def test_removing_someone_who_is_not_a_participant_is_refused_naming_the_user() -> None:
    assert when(STAFF, RemoveParticipant(user_id="user-nobody"), context(OWNER)) == Rejection(
        RejectionCode.NOT_FOUND, "no such participant", "user_id"
    )
