"""Commands on a company (a tenant): its details, archiving, participants and invitations.

The actor, the tenant and the time come from the command's context. Invitation tokens arrive
hashed: the plaintext goes only into the invitation email, never into Kafka.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.company.details import CompanyDetails
from streams.company.permissions import Action, Role
from streams.user_account.commands import SECRET


@dataclass(frozen=True)
class CreateCompany:
    """Sent to a new aggregate whose id is the new tenant id (the context's tenant); the actor becomes owner."""

    details: CompanyDetails


@dataclass(frozen=True)
class UpdateCompanyDetails:
    details: CompanyDetails  # the whole new set of details: a field left None is cleared


@dataclass(frozen=True)
class ArchiveCompany:
    reason: str | None = None


@dataclass(frozen=True)
class UnarchiveCompany:
    pass


@dataclass(frozen=True)
class AddParticipant:
    user_id: str
    role: Role


@dataclass(frozen=True)
class RemoveParticipant:
    user_id: str


@dataclass(frozen=True)
class ChangeParticipantRole:
    user_id: str
    role: Role


@dataclass(frozen=True)
class InviteParticipant:
    invitation_id: str
    email: str  # normalised by the API; normalised again here
    role: Role
    token_hash: str = field(metadata=SECRET)
    expires_at: datetime


@dataclass(frozen=True)
class AcceptInvitation:
    """The accepting user is the context's actor; `email` is that user's verified account email."""

    token_hash: str = field(metadata=SECRET)
    email: str


@dataclass(frozen=True)
class RevokeInvitation:
    invitation_id: str


CompanyCommand = (
    CreateCompany
    | UpdateCompanyDetails
    | ArchiveCompany
    | UnarchiveCompany
    | AddParticipant
    | RemoveParticipant
    | ChangeParticipantRole
    | InviteParticipant
    | AcceptInvitation
    | RevokeInvitation
)
COMMANDS: tuple[type, ...] = CompanyCommand.__args__

# What the actor's role must permit for each command. Creating a company and accepting an
# invitation need no role: the actor is not yet a participant.
REQUIRED_ACTIONS: dict[type, Action] = {
    UpdateCompanyDetails: Action.COMPANY_UPDATE,
    ArchiveCompany: Action.COMPANY_ARCHIVE,
    UnarchiveCompany: Action.COMPANY_ARCHIVE,
    AddParticipant: Action.COMPANY_PARTICIPANTS_MANAGE,
    RemoveParticipant: Action.COMPANY_PARTICIPANTS_MANAGE,
    ChangeParticipantRole: Action.COMPANY_PARTICIPANTS_MANAGE,
    InviteParticipant: Action.COMPANY_INVITATIONS_MANAGE,
    RevokeInvitation: Action.COMPANY_INVITATIONS_MANAGE,
}


def required_action(command: CompanyCommand) -> Action | None:
    return REQUIRED_ACTIONS.get(type(command))
