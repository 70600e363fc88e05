"""The company decider: the rules of a tenant's details, archiving, participants and invitations.

A company aggregate's id is its tenant id: `CreateCompany` goes to a fresh id that the API also
puts in the context as the tenant, and the company records it. Every command passes the tenancy
guard first, then the actor's role is read from the company's own participants (never from the
token), checked against the permission matrix and then against rank: only an owner adds, invites,
promotes, demotes or removes an owner or admin. At least one owner always remains, and nobody
changes their own role. An archived company refuses every command but `UnarchiveCompany` (and
a repeated `ArchiveCompany`, which changes nothing); archiving keeps participants and invitations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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
    required_action,
)
from streams.company.details import CompanyDetails, validate_details
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
from streams.company.identifiers import InvalidDetail, optional_text
from streams.company.permissions import Role, require
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.user_account.commands import SECRET
from streams.user_account.decider import EMAIL_PATTERN, normalize_email

ARCHIVE_REASON_MAX = 500
SENIOR_ROLES = frozenset({Role.OWNER, Role.ADMIN})  # granted, changed and removed only by an owner


class CompanyStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class Participant:
    user_id: str
    role: Role


@dataclass(frozen=True)
class Invitation:
    invitation_id: str
    email: str
    role: Role
    token_hash: str = field(metadata=SECRET)
    expires_at: datetime
    invited_by: str


@dataclass(frozen=True)
class Company:
    status: CompanyStatus = CompanyStatus.NONE
    company_id: str | None = None  # the tenant id
    details: CompanyDetails | None = None
    participants: tuple[Participant, ...] = ()
    invitations: tuple[Invitation, ...] = ()  # pending ones; expired ones stay until replaced or revoked

    def role_of(self, user_id: str) -> Role | None:
        return next((p.role for p in self.participants if p.user_id == user_id), None)

    def owner_count(self) -> int:
        return sum(1 for p in self.participants if p.role is Role.OWNER)

    def invitation(self, invitation_id: str) -> Invitation | None:
        return next((i for i in self.invitations if i.invitation_id == invitation_id), None)


def _outranks(actor_role: Role, roles: Iterable[Role]) -> Rejection | None:
    """An admin manages operators, accountants and viewers; owners and admins are an owner's business."""
    senior = [role for role in roles if role in SENIOR_ROLES]
    if actor_role is not Role.OWNER and senior:
        return reject(
            RejectionCode.FORBIDDEN, f"only an owner may grant, change or remove the {senior[0]} role", "role"
        )
    return None


def _keeps_an_owner(state: Company, user_id: str, new_role: Role | None) -> Rejection | None:
    if state.role_of(user_id) is Role.OWNER and new_role is not Role.OWNER and state.owner_count() == 1:
        return reject(
            RejectionCode.ILLEGAL_STATE,
            "the last owner cannot be removed or demoted; make another owner first",
            "user_id",
        )
    return None


def _create(
    state: Company, cmd: CreateCompany, context: CommandContext, actor: str
) -> Sequence[CompanyEvent] | Rejection:
    if state.status is not CompanyStatus.NONE:
        return reject(RejectionCode.CONFLICT, "this company already exists")
    details = validate_details(cmd.details)
    if isinstance(details, Rejection):
        return details
    assert context.tenant_id is not None  # the tenancy guard refuses a command without one
    return [
        CompanyCreated(company_id=context.tenant_id, details=details, created_by=actor),
        ParticipantAdded(user_id=actor, role=Role.OWNER),
    ]


def _update(state: Company, cmd: UpdateCompanyDetails) -> Sequence[CompanyEvent] | Rejection:
    details = validate_details(cmd.details)
    if isinstance(details, Rejection):
        return details
    return [] if details == state.details else [CompanyDetailsUpdated(details=details)]


def _archive(state: Company, cmd: ArchiveCompany) -> Sequence[CompanyEvent] | Rejection:
    try:
        reason = optional_text(cmd.reason, "reason", ARCHIVE_REASON_MAX)
    except InvalidDetail as fault:
        return reject(RejectionCode.INVALID, fault.reason, fault.field)
    return [] if state.status is CompanyStatus.ARCHIVED else [CompanyArchived(reason=reason)]


def _add(state: Company, cmd: AddParticipant, actor_role: Role) -> Sequence[CompanyEvent] | Rejection:
    if problem := _outranks(actor_role, [cmd.role]):
        return problem
    if state.role_of(cmd.user_id) is not None:
        return reject(RejectionCode.CONFLICT, "this user is already a participant", "user_id")
    return [ParticipantAdded(user_id=cmd.user_id, role=cmd.role)]


def _remove(state: Company, cmd: RemoveParticipant, actor_role: Role) -> Sequence[CompanyEvent] | Rejection:
    role = state.role_of(cmd.user_id)
    if role is None:
        return reject(RejectionCode.NOT_FOUND, "no such participant", "user_id")
    if problem := _outranks(actor_role, [role]) or _keeps_an_owner(state, cmd.user_id, None):
        return problem
    return [ParticipantRemoved(user_id=cmd.user_id, role=role)]


def _change_role(
    state: Company, cmd: ChangeParticipantRole, actor: str, actor_role: Role
) -> Sequence[CompanyEvent] | Rejection:
    role = state.role_of(cmd.user_id)
    if role is None:
        return reject(RejectionCode.NOT_FOUND, "no such participant", "user_id")
    if problem := _outranks(actor_role, [role, cmd.role]) or _keeps_an_owner(state, cmd.user_id, cmd.role):
        return problem
    if cmd.user_id == actor:
        return reject(RejectionCode.FORBIDDEN, "a participant cannot change their own role", "user_id")
    if role is cmd.role:
        return []
    return [ParticipantRoleChanged(user_id=cmd.user_id, previous_role=role, role=cmd.role)]


def _invite(
    state: Company, cmd: InviteParticipant, context: CommandContext, actor: str, actor_role: Role
) -> Sequence[CompanyEvent] | Rejection:
    if problem := _outranks(actor_role, [cmd.role]):
        return problem
    email = normalize_email(cmd.email)
    if not EMAIL_PATTERN.match(email):
        return reject(RejectionCode.INVALID, "email is not a valid address", "email")
    if not cmd.token_hash:
        return reject(RejectionCode.INVALID, "an invitation needs a token hash", "token_hash")
    if cmd.expires_at <= context.issued_at:
        return reject(RejectionCode.INVALID, "an invitation must expire in the future", "expires_at")
    if state.invitation(cmd.invitation_id) is not None:
        return reject(RejectionCode.CONFLICT, "an invitation with this id already exists", "invitation_id")
    earlier = next((i for i in state.invitations if i.email == email), None)
    if earlier is not None and context.issued_at < earlier.expires_at:
        return reject(RejectionCode.CONFLICT, "an invitation to this email is still pending", "email")
    return [
        ParticipantInvited(
            invitation_id=cmd.invitation_id,
            email=email,
            role=cmd.role,
            token_hash=cmd.token_hash,
            expires_at=cmd.expires_at,
            invited_by=actor,
            replaces_invitation_id=None if earlier is None else earlier.invitation_id,
        )
    ]


def _accept(
    state: Company, cmd: AcceptInvitation, context: CommandContext, actor: str
) -> Sequence[CompanyEvent] | Rejection:
    invitation = next((i for i in state.invitations if i.token_hash == cmd.token_hash), None)
    if invitation is None:
        return reject(RejectionCode.UNAUTHORIZED, "the invitation is invalid, revoked or already used", "token")
    if context.issued_at >= invitation.expires_at:
        return reject(RejectionCode.UNAUTHORIZED, "the invitation has expired", "token")
    if normalize_email(cmd.email) != invitation.email:
        return reject(RejectionCode.FORBIDDEN, "the invitation was sent to another email address", "email")
    if state.role_of(actor) is not None:
        return reject(RejectionCode.CONFLICT, "this user is already a participant", "user_id")
    return [
        InvitationAccepted(invitation_id=invitation.invitation_id, user_id=actor, email=invitation.email),
        ParticipantAdded(user_id=actor, role=invitation.role),
    ]


def _revoke(state: Company, cmd: RevokeInvitation, actor_role: Role) -> Sequence[CompanyEvent] | Rejection:
    invitation = state.invitation(cmd.invitation_id)
    if invitation is None:
        return reject(RejectionCode.NOT_FOUND, "no such pending invitation", "invitation_id")
    if problem := _outranks(actor_role, [invitation.role]):
        return problem
    return [InvitationRevoked(invitation_id=invitation.invitation_id, email=invitation.email)]


def decide(state: Company, command: CompanyCommand, context: CommandContext) -> Sequence[CompanyEvent] | Rejection:
    actor = context.actor_id
    if actor is None:
        return reject(RejectionCode.UNAUTHORIZED, "a company command needs a signed-in user")
    if isinstance(command, CreateCompany):
        return _create(state, command, context, actor)
    if state.status is CompanyStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such company")
    archived = state.status is CompanyStatus.ARCHIVED
    if isinstance(command, AcceptInvitation):
        if archived:
            return reject(RejectionCode.ILLEGAL_STATE, "the company is archived")
        return _accept(state, command, context, actor)
    actor_role = state.role_of(actor)
    action = required_action(command)
    assert action is not None, f"every other company command names its action: {command!r}"
    if problem := require(actor_role, action):
        return problem
    assert actor_role is not None  # require() refuses an actor with no role
    if archived and not isinstance(command, ArchiveCompany | UnarchiveCompany):
        return reject(RejectionCode.ILLEGAL_STATE, "the company is archived; unarchive it first")
    match command:
        case UpdateCompanyDetails():
            return _update(state, command)
        case ArchiveCompany():
            return _archive(state, command)
        case UnarchiveCompany():
            return [CompanyUnarchived()] if archived else []
        case AddParticipant():
            return _add(state, command, actor_role)
        case RemoveParticipant():
            return _remove(state, command, actor_role)
        case ChangeParticipantRole():
            return _change_role(state, command, actor, actor_role)
        case InviteParticipant():
            return _invite(state, command, context, actor, actor_role)
        case RevokeInvitation():
            return _revoke(state, command, actor_role)
    raise TypeError(f"not a company command: {command!r}")


def evolve(state: Company, event: CompanyEvent) -> Company:
    match event:
        case CompanyCreated(company_id=company_id, details=details):
            return Company(status=CompanyStatus.ACTIVE, company_id=company_id, details=details)
        case CompanyDetailsUpdated(details=details):
            return replace(state, details=details)
        case CompanyArchived():
            return replace(state, status=CompanyStatus.ARCHIVED)
        case CompanyUnarchived():
            return replace(state, status=CompanyStatus.ACTIVE)
        case ParticipantAdded(user_id=user_id, role=role):
            return replace(state, participants=(*state.participants, Participant(user_id, role)))
        case ParticipantRemoved(user_id=user_id):
            return replace(state, participants=tuple(p for p in state.participants if p.user_id != user_id))
        case ParticipantRoleChanged(user_id=user_id, role=role):
            return replace(
                state,
                participants=tuple(replace(p, role=role) if p.user_id == user_id else p for p in state.participants),
            )
        case ParticipantInvited():
            invitation = Invitation(
                invitation_id=event.invitation_id,
                email=event.email,
                role=event.role,
                token_hash=event.token_hash,
                expires_at=event.expires_at,
                invited_by=event.invited_by,
            )
            others = tuple(i for i in state.invitations if i.invitation_id != event.replaces_invitation_id)
            return replace(state, invitations=(*others, invitation))
        case InvitationAccepted(invitation_id=invitation_id) | InvitationRevoked(invitation_id=invitation_id):
            return replace(state, invitations=tuple(i for i in state.invitations if i.invitation_id != invitation_id))
    raise TypeError(f"not a company event: {event!r}")


company_decider: Decider[Company, CompanyCommand, CompanyEvent] = Decider(
    initial_state=Company(), decide=decide, evolve=evolve
)
