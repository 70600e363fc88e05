"""Events of a user account: facts, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.user_account.commands import SECRET


@dataclass(frozen=True)
class UserAccountRegistered:
    email: str
    password_hash: str = field(metadata=SECRET)
    first_name: str
    last_name: str
    verification_token_hash: str = field(metadata=SECRET)


@dataclass(frozen=True)
class UserAuthenticated:
    session_id: str


@dataclass(frozen=True)
class UserLoggedOut:
    session_id: str


@dataclass(frozen=True)
class UserPasswordChanged:
    password_hash: str = field(metadata=SECRET)
    kept_session_id: str | None  # None: every session ends (a reset)


@dataclass(frozen=True)
class PasswordResetRequested:
    token_hash: str = field(metadata=SECRET)
    expires_at: datetime


@dataclass(frozen=True)
class UserEmailVerified:
    email: str


@dataclass(frozen=True)
class UserProfileUpdated:
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class UserAccountDeleted:
    email: str


UserAccountEvent = (
    UserAccountRegistered
    | UserAuthenticated
    | UserLoggedOut
    | UserPasswordChanged
    | PasswordResetRequested
    | UserEmailVerified
    | UserProfileUpdated
    | UserAccountDeleted
)
EVENTS: tuple[type, ...] = UserAccountEvent.__args__
