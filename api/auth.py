"""Passwords (argon2), signed tokens (JWT, HS256) and the authenticated-session dependency.

An access or refresh token names an account and a session. A request is authenticated only if
the token's signature and expiry hold *and* the read model shows the session open and the
account active, so logging out, changing a password or deleting the account ends a token at once.

Refresh tokens are single-use: each carries an id (`jti`), spent when it is exchanged for new tokens;
presenting a spent one again means it was copied, so the whole session is ended.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import jwt
import redis.asyncio as redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, WebSocket, status
from fastapi.responses import JSONResponse
from psycopg import AsyncConnection

from api.platform import Platform, platform
from sinks.postgres.tenancy import TENANT_SETTING, USER_SETTING
from streams.company.permissions import Action, is_permitted
from wellwon.envelope import now

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
ALGORITHM = "HS256"

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def new_secret_token(account_id: str) -> tuple[str, str]:
    """A token to mail to a user ("<account id>.<secret>") and the hash the aggregate keeps."""
    secret = secrets.token_urlsafe(32)
    return f"{account_id}.{secret}", token_hash(secret)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_secret_token(token: str) -> tuple[str, str] | None:
    account_id, dot, secret = token.partition(".")
    return (account_id, secret) if dot and account_id and secret else None


def issue_tokens(secret: str, account_id: str, session_id: str, tenant_id: str | None = None) -> dict[str, str]:
    """Access and refresh tokens; `tid` names the active company (tenant), if any."""
    issued = now()
    claims: dict[str, Any] = {"sub": account_id, "sid": session_id, "iat": issued}
    if tenant_id is not None:
        claims["tid"] = tenant_id
    access = jwt.encode({**claims, "typ": "access", "exp": issued + ACCESS_TTL}, secret, ALGORITHM)
    refresh_claims = {**claims, "typ": "refresh", "exp": issued + REFRESH_TTL, "jti": secrets.token_hex(16)}
    refresh = jwt.encode(refresh_claims, secret, ALGORITHM)
    return {"access_token": access, "refresh_token": refresh, "token_type": "bearer"}


REFRESH_COOKIE = "wellwon_refresh"
CONSOLE_CLIENT = "wellwon-console"  # the console's X-Requested-With: a cross-site form cannot send it


def from_console(request: Request) -> bool:
    return request.headers.get("x-requested-with") == CONSOLE_CLIENT


def deliver_tokens(request: Request, tokens: dict[str, Any]) -> dict[str, Any] | JSONResponse:
    """Tokens as the caller keeps them: an API client gets both in the body; the console gets the refresh
    token only as an HttpOnly, SameSite=Strict cookie scoped to /api/auth, which no script can read."""
    if not from_console(request) or "refresh_token" not in tokens:
        return tokens
    body = {name: value for name, value in tokens.items() if name != "refresh_token"}
    answer = JSONResponse(body, headers={"Cache-Control": "no-store"})
    answer.set_cookie(
        REFRESH_COOKIE,
        str(tokens["refresh_token"]),
        max_age=int(REFRESH_TTL.total_seconds()),
        path="/api/auth",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return answer


def presented_refresh_token(request: Request, in_body: str | None) -> str:
    """The refresh token in the body, or (from the console only) in its cookie."""
    token = in_body or (request.cookies.get(REFRESH_COOKIE) if from_console(request) else None)
    if not token:
        raise UNAUTHORIZED
    return token


class RefreshTokenLedger:
    """Which refresh tokens have been spent, kept in Redis until the token would expire anyway."""

    def __init__(self, namespace_key: Callable[[str], str], client: redis.Redis) -> None:
        self.key = namespace_key
        self.redis = client

    async def spend(self, claims: dict[str, Any]) -> bool:
        """Marks the refresh token spent: True the first time, False if it was spent before."""
        token_id = claims.get("jti") or f"{claims['sid']}:{claims.get('iat')}"
        remaining_ms = max(1000, int((float(claims["exp"]) - now().timestamp()) * 1000))
        first = await self.redis.set(self.key(f"refresh:spent:{token_id}"), claims["sid"], nx=True, px=remaining_ms)
        return bool(first)


async def refresh_ledger(request: Request) -> RefreshTokenLedger:
    found: RefreshTokenLedger = request.app.state.refresh_ledger
    return found


@dataclass(frozen=True)
class Session:
    account_id: str
    session_id: str
    email: str
    claims: dict[str, Any]
    tenant_id: str | None = None  # the active company, from the signed token
    role: str | None = None  # the caller's role there now (from the read model, not the token)


UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "not authenticated: the token is missing, invalid, expired or revoked",
    headers={"WWW-Authenticate": "Bearer"},
)  # fmt: skip


def decode_token(secret: str, token: str, expected_type: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError as exc:
        raise UNAUTHORIZED from exc
    if claims.get("typ") != expected_type or "sid" not in claims:
        raise UNAUTHORIZED
    return claims


async def open_session(found: Platform, claims: dict[str, Any]) -> Session:
    """The session, if it is still open, the account active and (with a tenant) the caller a member.

    Checked on every request, so logout, deletion or removal from the company end access at once.
    """
    tenant_id = claims.get("tid")
    async with found.pool.connection() as conn:
        row = await (
            await conn.execute(
                """SELECT a.email, CASE WHEN %(tid)s::text IS NULL THEN NULL ELSE role_in_company(%(tid)s, %(sub)s) END
                   FROM user_sessions s JOIN user_accounts a ON a.id = s.account_id
                   WHERE s.session_id = %(sid)s::uuid AND s.account_id = %(sub)s::uuid AND s.revoked_at IS NULL
                     AND a.status = 'active'""",
                {"sid": claims["sid"], "sub": claims["sub"], "tid": tenant_id},
            )
        ).fetchone()
    if row is None or (tenant_id is not None and row[1] is None):
        raise UNAUTHORIZED
    return Session(claims["sub"], claims["sid"], row[0], claims, tenant_id, row[1])


def bearer_token(request: Request | WebSocket) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token
    if isinstance(request, WebSocket) and (query := request.query_params.get("token")):
        return query
    raise UNAUTHORIZED


async def current_session(request: Request, found: Annotated[Platform, Depends(platform)]) -> Session:
    claims = decode_token(found.settings.jwt_secret, bearer_token(request), "access")
    return await open_session(found, claims)


CurrentSession = Annotated[Session, Depends(current_session)]


def require_permission(session: Session, action: Action) -> str:
    """The active tenant, if the caller's role there permits the action: 403 otherwise.

    An early check that saves a round trip; the stream's decider decides again.
    """
    if session.tenant_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "no active company: create one or switch to one first")
    if not is_permitted(session.role, action):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {session.role} may not {action}")
    return session.tenant_id


@asynccontextmanager
async def tenant_db(found: Platform, session: Session) -> AsyncIterator[AsyncConnection[Any]]:
    """A transaction in which row-level security shows the session's tenant and nothing else."""
    async with found.pool.connection() as conn, conn.transaction():
        await conn.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            (TENANT_SETTING, session.tenant_id or "", USER_SETTING, session.account_id),
        )
        yield conn
