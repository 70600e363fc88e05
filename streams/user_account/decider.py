"""The user-account decider: the rules of registration, sign-in records, passwords and profile.

An account's id is derived from its normalised email (`account_id_for_email`), so every command
about one email lands on one aggregate in one partition: uniqueness of email across the
platform is decided there, in order, with no read-model lookup to race against.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.user_account.commands import (
    ChangePassword,
    DeleteUserAccount,
    Logout,
    RecordLogin,
    RegisterUserAccount,
    RequestPasswordReset,
    ResetPassword,
    UpdateProfile,
    UserAccountCommand,
    VerifyEmail,
)
from streams.user_account.events import (
    PasswordResetRequested,
    UserAccountDeleted,
    UserAccountEvent,
    UserAccountRegistered,
    UserAuthenticated,
    UserEmailVerified,
    UserLoggedOut,
    UserPasswordChanged,
    UserProfileUpdated,
)

ACCOUNT_NAMESPACE = uuid.UUID("6f0a6c39-3f8e-4a3c-9d53-2b0b7f1c6a11")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_MAX = 100


def normalize_email(email: str) -> str:
    """The one spelling of an address that identifies its account: `Anna@Example.com ` is `anna@example.com`.

    NFKC first, so a full-width or decomposed spelling of the same address is the same account,
    not a second one that reads the same.
    """
    return unicodedata.normalize("NFKC", email).strip().lower()


def account_id_for_email(email: str) -> str:
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, normalize_email(email)))


class AccountStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"
    DELETED = "deleted"


@dataclass(frozen=True)
class UserAccount:
    status: AccountStatus = AccountStatus.NONE
    email: str = ""
    password_hash: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    locale: str | None = None
    email_verified: bool = False
    verification_token_hash: str | None = None
    reset_token_hash: str | None = None
    reset_expires_at: datetime | None = None


def _invalid_name(value: str | None, field: str) -> Rejection | None:
    if value is not None and not (0 < len(value.strip()) <= NAME_MAX):
        return reject(RejectionCode.INVALID, f"{field} must be 1 to {NAME_MAX} characters", field)
    return None


def _register(state: UserAccount, cmd: RegisterUserAccount) -> Sequence[UserAccountEvent] | Rejection:
    if state.status is AccountStatus.ACTIVE:
        return reject(RejectionCode.CONFLICT, "an account with this email already exists", "email")
    email = normalize_email(cmd.email)
    if not EMAIL_PATTERN.match(email):
        return reject(RejectionCode.INVALID, "email is not a valid address", "email")
    for value, name in ((cmd.first_name, "first_name"), (cmd.last_name, "last_name")):
        if problem := _invalid_name(value, name):
            return problem
    return [
        UserAccountRegistered(
            email=email,
            password_hash=cmd.password_hash,
            first_name=cmd.first_name.strip(),
            last_name=cmd.last_name.strip(),
            verification_token_hash=cmd.verification_token_hash,
        )
    ]


def _update_profile(state: UserAccount, cmd: UpdateProfile) -> Sequence[UserAccountEvent] | Rejection:
    for value, name in ((cmd.first_name, "first_name"), (cmd.last_name, "last_name")):
        if problem := _invalid_name(value, name):
            return problem
    if cmd.phone is not None and not re.fullmatch(r"\+?[0-9 ()-]{5,20}", cmd.phone):
        return reject(RejectionCode.INVALID, "phone must be 5 to 20 digits, spaces or +()-", "phone")
    changes = {
        name: value
        for name, value in (
            ("first_name", cmd.first_name),
            ("last_name", cmd.last_name),
            ("phone", cmd.phone),
            ("locale", cmd.locale),
        )
        if value is not None and value != getattr(state, name)
    }
    if not changes:
        return []  # nothing changes: accepted, no event
    return [UserProfileUpdated(**changes)]


def decide(
    state: UserAccount, command: UserAccountCommand, context: CommandContext
) -> Sequence[UserAccountEvent] | Rejection:
    if isinstance(command, RegisterUserAccount):
        return _register(state, command)
    if state.status is not AccountStatus.ACTIVE:
        if isinstance(command, RecordLogin | DeleteUserAccount | ChangePassword):
            return reject(RejectionCode.UNAUTHORIZED, "invalid email or password")
        return reject(RejectionCode.NOT_FOUND, "no such account")
    match command:
        case RecordLogin(session_id=session_id, verified_password_hash=checked):
            if checked != state.password_hash:
                return reject(RejectionCode.UNAUTHORIZED, "invalid email or password")
            return [UserAuthenticated(session_id=session_id)]
        case Logout(session_id=session_id):
            return [UserLoggedOut(session_id=session_id)]
        case ChangePassword(verified_password_hash=checked, new_password_hash=new_hash, session_id=session_id):
            if checked != state.password_hash:
                return reject(RejectionCode.UNAUTHORIZED, "current password is wrong", "current_password")
            return [UserPasswordChanged(password_hash=new_hash, kept_session_id=session_id)]
        case RequestPasswordReset(token_hash=token_hash, expires_at=expires_at):
            return [PasswordResetRequested(token_hash=token_hash, expires_at=expires_at)]
        case ResetPassword(token_hash=token_hash, new_password_hash=new_hash):
            if state.reset_token_hash is None or token_hash != state.reset_token_hash:
                return reject(RejectionCode.UNAUTHORIZED, "reset token is invalid or already used", "token")
            if state.reset_expires_at is None or context.issued_at >= state.reset_expires_at:
                return reject(RejectionCode.UNAUTHORIZED, "reset token has expired", "token")
            return [UserPasswordChanged(password_hash=new_hash, kept_session_id=None)]
        case VerifyEmail(token_hash=token_hash):
            if state.email_verified:
                return []
            if token_hash != state.verification_token_hash:
                return reject(RejectionCode.UNAUTHORIZED, "verification token is invalid", "token")
            return [UserEmailVerified(email=state.email)]
        case UpdateProfile():
            return _update_profile(state, command)
        case DeleteUserAccount(verified_password_hash=checked):
            if checked != state.password_hash:
                return reject(RejectionCode.UNAUTHORIZED, "invalid email or password")
            return [UserAccountDeleted(email=state.email)]
    raise TypeError(f"not a user-account command: {command!r}")


def evolve(state: UserAccount, event: UserAccountEvent) -> UserAccount:
    match event:
        case UserAccountRegistered():
            return UserAccount(
                status=AccountStatus.ACTIVE,
                email=event.email,
                password_hash=event.password_hash,
                first_name=event.first_name,
                last_name=event.last_name,
                verification_token_hash=event.verification_token_hash,
            )
        case UserPasswordChanged(password_hash=password_hash):
            # Any password change consumes an outstanding reset token.
            return replace(state, password_hash=password_hash, reset_token_hash=None, reset_expires_at=None)
        case PasswordResetRequested(token_hash=token_hash, expires_at=expires_at):
            return replace(state, reset_token_hash=token_hash, reset_expires_at=expires_at)
        case UserEmailVerified():
            return replace(state, email_verified=True, verification_token_hash=None)
        case UserProfileUpdated():
            changes = {k: v for k, v in vars(event).items() if v is not None}
            return replace(state, **changes)
        case UserAccountDeleted():
            return UserAccount(status=AccountStatus.DELETED, email=state.email)
        case UserAuthenticated() | UserLoggedOut():
            return state
    raise TypeError(f"not a user-account event: {event!r}")


user_account_decider: Decider[UserAccount, UserAccountCommand, UserAccountEvent] = Decider(
    initial_state=UserAccount(), decide=decide, evolve=evolve
)
