"""User accounts over HTTP: /api/auth/* (register, login, tokens, profile, passwords, deletion)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import Field

from api.auth import (
    REFRESH_COOKIE,
    UNAUTHORIZED,
    CurrentSession,
    RefreshTokenLedger,
    Session,
    decode_token,
    deliver_tokens,
    hash_password,
    issue_tokens,
    new_secret_token,
    open_session,
    password_matches,
    presented_refresh_token,
    refresh_ledger,
    split_secret_token,
    token_hash,
)
from api.command_bus import Issued
from api.deps import PlatformDep, Strict
from api.outcomes import send_command
from api.passwords import refuse_weak_password
from api.platform import Platform
from api.throttle import Guesser, Throttle, client_address, throttle
from sinks.postgres import company_queries, user_account_queries
from streams.user_account.commands import (
    ChangePassword,
    DeleteUserAccount,
    Logout,
    RecordLogin,
    RegisterUserAccount,
    RequestPasswordReset,
    ResetPassword,
    UpdateProfile,
    VerifyEmail,
)
from streams.user_account.decider import account_id_for_email, normalize_email
from streams.user_account.domain import USER_ACCOUNT
from wellwon.envelope import CommandOutcome, now

router = APIRouter(prefix="/api/auth", tags=["auth"])
ThrottleDep = Annotated[Throttle, Depends(throttle)]
LOGIN, RESET = "login", "reset"  # what is throttled: password guesses, and reset mails

RESET_TTL = timedelta(hours=1)
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class RegisterRequest(Strict):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=8, max_length=128)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)


class LoginRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class RefreshRequest(Strict):
    refresh_token: str | None = Field(None, description="omitted by the console, whose token is in its cookie")


class ProfileRequest(Strict):
    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{5,20}$")
    locale: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class ChangePasswordRequest(Strict):
    current_password: str = Field(max_length=128)
    new_password: str = Field(min_length=8, max_length=128)


class ForgotPasswordRequest(Strict):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)


class ResetPasswordRequest(Strict):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(min_length=8, max_length=128)


class TokenRequest(Strict):
    token: str = Field(min_length=10, max_length=200)


class DeleteRequest(Strict):
    password: str = Field(max_length=128)


async def run_command(
    found: Platform,
    aggregate_id: str,
    command: Any,
    actor_id: str | None,
    command_id: uuid.UUID | None = None,
    on_accepted: Callable[[CommandOutcome], Awaitable[None]] | None = None,
) -> tuple[str, Any]:
    outcome = await send_command(
        found, USER_ACCOUNT, aggregate_id, command, Issued(actor_id=actor_id), command_id, on_accepted
    )
    return (outcome.command_id if isinstance(outcome, CommandOutcome) else ""), outcome


async def account_row(found: Platform, account_id: str) -> dict[str, Any] | None:
    async with found.pool.connection() as conn:
        return await user_account_queries.account(conn, account_id)


def names_of(row: dict[str, Any] | None) -> tuple[str | None, ...]:
    return (row["first_name"], row["last_name"]) if row else ()


def profile_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "phone": row["phone"],
        "locale": row["locale"],
        "email_verified": row["email_verified"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterRequest, found: PlatformDep) -> Any:
    await refuse_weak_password(body.password, "password", body.email, (body.first_name, body.last_name))
    account_id = account_id_for_email(body.email)
    verification_token, verification_hash = new_secret_token(account_id)
    command = RegisterUserAccount(
        email=body.email,
        password_hash=await hash_password(body.password),
        first_name=body.first_name,
        last_name=body.last_name,
        verification_token_hash=verification_hash,
    )

    async def mail(_: CommandOutcome) -> None:  # owed once accepted, even while the read model lags
        await found.mailer.send(
            normalize_email(body.email),
            "Confirm your email for WellWon",
            f"Your verification token: {verification_token}",
            {"verify_email": verification_token},
        )

    command_id, outcome = await run_command(found, account_id, command, account_id, on_accepted=mail)
    if isinstance(outcome, JSONResponse):
        return outcome
    return {"id": account_id, "email": normalize_email(body.email), "command_id": command_id}


async def checked_password(
    guards: Throttle, guesser: Guesser, stored_hash: str | None, password: str, refusal: HTTPException
) -> str:
    """The stored hash if the password matches it; a failure counts against the guesser (429 once locked)."""
    await guards.check(LOGIN, guesser)
    if not await password_matches(stored_hash, password) or stored_hash is None:
        await guards.failed(LOGIN, guesser)
        raise refusal
    await guards.succeeded(LOGIN, guesser)
    return stored_hash


def session_guesser(request: Request, session: Session) -> Guesser:
    return Guesser(session.account_id, client_address(request))


@router.post("/login")
async def login(body: LoginRequest, request: Request, found: PlatformDep, guards: ThrottleDep) -> Any:
    """Tokens for a new session; wrong passwords are throttled per account and per address (429, Retry-After)."""
    account_id = account_id_for_email(body.email)
    row = await account_row(found, account_id)
    active_hash = row["password_hash"] if row and row["status"] == "active" else None
    refusal = HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid email or password")
    guesser = Guesser(account_id, client_address(request))
    stored_hash = await checked_password(guards, guesser, active_hash, body.password, refusal)
    session_id = str(uuid.uuid4())
    _, outcome = await run_command(found, account_id, RecordLogin(session_id, stored_hash), account_id)
    if isinstance(outcome, JSONResponse):
        return outcome
    tokens = issue_tokens(found.settings.jwt_secret, account_id, session_id, await first_company(found, account_id))
    return deliver_tokens(request, tokens)


async def first_company(found: Platform, account_id: str) -> str | None:
    """The company a fresh login starts in: the one the user joined first, if any."""
    async with found.pool.connection() as conn:
        return await company_queries.first_active_company(conn, account_id)


@router.post("/refresh")
async def refresh(
    body: RefreshRequest,
    request: Request,
    found: PlatformDep,
    ledger: Annotated[RefreshTokenLedger, Depends(refresh_ledger)],
) -> Any:
    """New tokens for the refresh token, which is spent: presenting it again ends the whole session."""
    claims = decode_token(found.settings.jwt_secret, presented_refresh_token(request, body.refresh_token), "refresh")
    session = await open_session(found, claims)
    if not await ledger.spend(claims):
        # A spent token presented again was copied: whoever holds the session's newer tokens may be the thief.
        await run_command(found, session.account_id, Logout(session.session_id), session.account_id)
        raise UNAUTHORIZED
    tokens = issue_tokens(found.settings.jwt_secret, session.account_id, session.session_id, session.tenant_id)
    return deliver_tokens(request, tokens)


@router.get("/me")
async def me(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    row = await account_row(found, session.account_id)
    if row is None:
        raise UNAUTHORIZED
    return profile_json(row)


@router.patch("/profile")
async def update_profile(body: ProfileRequest, session: CurrentSession, found: PlatformDep) -> Any:
    command = UpdateProfile(**body.model_dump(exclude_unset=True))
    _, outcome = await run_command(found, session.account_id, command, session.account_id)
    if isinstance(outcome, JSONResponse):
        return outcome
    return await me(session, found)


@router.post("/change-password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: ChangePasswordRequest, request: Request, session: CurrentSession, found: PlatformDep, guards: ThrottleDep
) -> Response:
    row = await account_row(found, session.account_id)
    refusal = HTTPException(
        status.HTTP_401_UNAUTHORIZED, {"reason": "current password is wrong", "field": "current_password"}
    )
    stored_hash = await checked_password(
        guards, session_guesser(request, session), row["password_hash"] if row else None, body.current_password, refusal
    )
    await refuse_weak_password(body.new_password, "new_password", session.email, names_of(row))
    command = ChangePassword(stored_hash, await hash_password(body.new_password), session.session_id)
    _, outcome = await run_command(found, session.account_id, command, session.account_id)
    if isinstance(outcome, JSONResponse):
        return outcome
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: CurrentSession, found: PlatformDep) -> Response:
    _, outcome = await run_command(found, session.account_id, Logout(session.session_id), session.account_id)
    if isinstance(outcome, JSONResponse):
        return outcome
    ended = Response(status_code=status.HTTP_204_NO_CONTENT)
    ended.delete_cookie(REFRESH_COOKIE, path="/api/auth")
    return ended


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(
    body: ForgotPasswordRequest, request: Request, found: PlatformDep, guards: ThrottleDep, later: BackgroundTasks
) -> dict[str, str]:
    """Always 202 at once, whether or not the email has an account: neither answer nor timing may reveal that.

    The look-up, the command and the mail happen after the answer is sent; requests per email and
    per address are limited like password guesses (a mail bomb otherwise).
    """
    guesser = Guesser(account_id_for_email(body.email), client_address(request))
    await guards.check(RESET, guesser)
    await guards.failed(RESET, guesser)
    later.add_task(send_reset_token, found, body.email)
    return {"status": "if the account exists, a reset token was sent"}


async def send_reset_token(found: Platform, email: str) -> None:
    account_id = account_id_for_email(email)
    if await account_row(found, account_id) is None:
        return
    reset_token, reset_hash = new_secret_token(account_id)
    _, outcome = await found.bus.send(
        USER_ACCOUNT, account_id, RequestPasswordReset(reset_hash, now() + RESET_TTL), Issued(actor_id=None)
    )
    if outcome is not None and outcome.status == "accepted":
        await found.mailer.send(
            normalize_email(email),
            "Reset your WellWon password",
            f"Your password reset token (valid for one hour): {reset_token}",
            {"reset_password": reset_token},
        )


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(body: ResetPasswordRequest, found: PlatformDep) -> Response:
    parts = split_secret_token(body.token)
    if parts is None or not _is_uuid(parts[0]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, {"reason": "reset token is invalid", "field": "token"})
    account_id, secret = parts
    row = await account_row(found, account_id)
    await refuse_weak_password(body.new_password, "new_password", row["email"] if row else None, names_of(row))
    command = ResetPassword(token_hash(secret), await hash_password(body.new_password))
    _, outcome = await run_command(found, account_id, command, None)
    if isinstance(outcome, JSONResponse):
        return outcome
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/verify-email", status_code=status.HTTP_204_NO_CONTENT)
async def verify_email(body: TokenRequest, found: PlatformDep) -> Response:
    parts = split_secret_token(body.token)
    if parts is None or not _is_uuid(parts[0]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, {"reason": "verification token is invalid", "field": "token"})
    account_id, secret = parts
    _, outcome = await run_command(found, account_id, VerifyEmail(token_hash(secret)), None)
    if isinstance(outcome, JSONResponse):
        return outcome
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/delete-account", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(
    body: DeleteRequest, request: Request, session: CurrentSession, found: PlatformDep, guards: ThrottleDep
) -> Response:
    row = await account_row(found, session.account_id)
    refusal = HTTPException(status.HTTP_401_UNAUTHORIZED, {"reason": "password is wrong", "field": "password"})
    stored_hash = await checked_password(
        guards, session_guesser(request, session), row["password_hash"] if row else None, body.password, refusal
    )
    _, outcome = await run_command(found, session.account_id, DeleteUserAccount(stored_hash), session.account_id)
    if isinstance(outcome, JSONResponse):
        return outcome
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False
