"""Events of a company: facts, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.company.details import CompanyDetails
from streams.company.permissions import Role
from streams.user_account.commands import SECRET


@dataclass(frozen=True)
class CompanyCreated:
    company_id: str  # also the tenant id
    details: CompanyDetails
    created_by: str


@dataclass(frozen=True)
class CompanyDetailsUpdated:
    details: CompanyDetails


@dataclass(frozen=True)
class CompanyArchived:
    reason: str | None = None


@dataclass(frozen=True)
class CompanyUnarchived:
    pass


@dataclass(frozen=True)
class ParticipantAdded:
    user_id: str
    role: Role


@dataclass(frozen=True)
class ParticipantRemoved:
    user_id: str
    role: Role  # the role they held


@dataclass(frozen=True)
class ParticipantRoleChanged:
    user_id: str
    previous_role: Role
    role: Role


@dataclass(frozen=True)
class ParticipantInvited:
    invitation_id: str
    email: str
    role: Role
    token_hash: str = field(metadata=SECRET)
    expires_at: datetime
    invited_by: str
    replaces_invitation_id: str | None = None  # an expired invitation to the same email it supersedes


@dataclass(frozen=True)
class InvitationAccepted:
    invitation_id: str
    user_id: str
    email: str


@dataclass(frozen=True)
class InvitationRevoked:
    invitation_id: str
    email: str


CompanyEvent = (
    CompanyCreated
    | CompanyDetailsUpdated
    | CompanyArchived
    | CompanyUnarchived
    | ParticipantAdded
    | ParticipantRemoved
    | ParticipantRoleChanged
    | ParticipantInvited
    | InvitationAccepted
    | InvitationRevoked
)
EVENTS: tuple[type, ...] = CompanyEvent.__args__
