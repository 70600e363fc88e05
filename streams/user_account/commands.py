"""Commands on a user account. Secrets arrive already hashed: plaintext never enters Kafka."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SECRET = {"secret": True}  # field metadata: sinks that leave the operational store redact it


@dataclass(frozen=True)
class RegisterUserAccount:
    email: str
    password_hash: str = field(metadata=SECRET)
    first_name: str
    last_name: str
    verification_token_hash: str = field(metadata=SECRET)


@dataclass(frozen=True)
class RecordLogin:
    session_id: str
    # The hash the API verified the password against; stale means the password just changed.
    verified_password_hash: str = field(metadata=SECRET)


@dataclass(frozen=True)
class Logout:
    session_id: str


@dataclass(frozen=True)
class ChangePassword:
    verified_password_hash: str = field(metadata=SECRET)
    new_password_hash: str = field(metadata=SECRET)
    session_id: str  # the session that changed it stays signed in; all others end


@dataclass(frozen=True)
class RequestPasswordReset:
    token_hash: str = field(metadata=SECRET)
    expires_at: datetime


@dataclass(frozen=True)
class ResetPassword:
    token_hash: str = field(metadata=SECRET)
    new_password_hash: str = field(metadata=SECRET)


@dataclass(frozen=True)
class VerifyEmail:
    token_hash: str = field(metadata=SECRET)


@dataclass(frozen=True)
class UpdateProfile:
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class DeleteUserAccount:
    verified_password_hash: str = field(metadata=SECRET)


UserAccountCommand = (
    RegisterUserAccount
    | RecordLogin
    | Logout
    | ChangePassword
    | RequestPasswordReset
    | ResetPassword
    | VerifyEmail
    | UpdateProfile
    | DeleteUserAccount
)
COMMANDS: tuple[type, ...] = UserAccountCommand.__args__
