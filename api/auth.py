"""Passwords (argon2), signed tokens (JWT, HS256) and the authenticated-session dependency.

An access or refresh token names an account and a session. A request is authenticated only if
the token's signature and expiry hold *and* the read model shows the session open and the
account active, so logging out, changing a password or deleting the account ends a token at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, WebSocket, status

from api.platform import Platform, platform
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


def issue_tokens(secret: str, account_id: str, session_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    issued = now()
    claims = {"sub": account_id, "sid": session_id, "iat": issued, **(extra or {})}
    access = jwt.encode({**claims, "typ": "access", "exp": issued + ACCESS_TTL}, secret, ALGORITHM)
    refresh = jwt.encode({**claims, "typ": "refresh", "exp": issued + REFRESH_TTL}, secret, ALGORITHM)
    return {"access_token": access, "refresh_token": refresh, "token_type": "bearer"}


@dataclass(frozen=True)
class Session:
    account_id: str
    session_id: str
    email: str
    claims: dict[str, Any]


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
    async with found.pool.connection() as conn:
        row = await (
            await conn.execute(
                """SELECT a.email FROM user_sessions s JOIN user_accounts a ON a.id = s.account_id
                   WHERE s.session_id = %s AND s.account_id = %s AND s.revoked_at IS NULL AND a.status = 'active'""",
                (claims["sid"], claims["sub"]),
            )
        ).fetchone()
    if row is None:
        raise UNAUTHORIZED
    return Session(account_id=claims["sub"], session_id=claims["sid"], email=row[0], claims=claims)


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
