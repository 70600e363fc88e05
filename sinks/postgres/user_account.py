"""Projection of user-account events: accounts (with the password hash logins check) and sessions."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from streams.user_account.events import (
    PasswordResetRequested,
    UserAccountDeleted,
    UserAccountRegistered,
    UserAuthenticated,
    UserEmailVerified,
    UserLoggedOut,
    UserPasswordChanged,
    UserProfileUpdated,
)
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS user_accounts (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        password_hash text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        phone text,
        locale text,
        email_verified boolean NOT NULL DEFAULT false,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS user_accounts_email ON user_accounts (email)",
    """CREATE TABLE IF NOT EXISTS user_sessions (
        session_id uuid PRIMARY KEY,
        account_id uuid NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
    )""",
    "CREATE INDEX IF NOT EXISTS user_sessions_account ON user_sessions (account_id)",
)


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    account_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    match event:
        case UserAccountRegistered():
            await cur.execute(
                """INSERT INTO user_accounts (id, email, password_hash, first_name, last_name, email_verified,
                       status, created_at, updated_at, version)
                   VALUES (%s, %s, %s, %s, %s, false, 'active', %s, %s, %s)
                   ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash,
                       first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, phone = NULL,
                       locale = NULL, email_verified = false, status = 'active', created_at = EXCLUDED.created_at,
                       updated_at = EXCLUDED.updated_at, version = EXCLUDED.version""",
                (account_id, event.email, event.password_hash, event.first_name, event.last_name, at, at, version),
            )
            return
        case UserAuthenticated(session_id=session_id):
            await cur.execute(
                "INSERT INTO user_sessions (session_id, account_id, created_at) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (session_id, account_id, at),
            )
        case UserLoggedOut(session_id=session_id):
            await cur.execute(
                "UPDATE user_sessions SET revoked_at = %s WHERE session_id = %s AND revoked_at IS NULL",
                (at, session_id),
            )
        case UserPasswordChanged(password_hash=password_hash, kept_session_id=kept):
            await cur.execute("UPDATE user_accounts SET password_hash = %s WHERE id = %s", (password_hash, account_id))
            await cur.execute(
                "UPDATE user_sessions SET revoked_at = %s WHERE account_id = %s AND revoked_at IS NULL"
                " AND session_id IS DISTINCT FROM %s",
                (at, account_id, kept),
            )
        case UserEmailVerified():
            await cur.execute("UPDATE user_accounts SET email_verified = true WHERE id = %s", (account_id,))
        case UserProfileUpdated():
            changes = {k: v for k, v in vars(event).items() if v is not None}
            for column, value in changes.items():  # columns come from the event's own field names
                await cur.execute(f"UPDATE user_accounts SET {column} = %s WHERE id = %s", (value, account_id))
        case UserAccountDeleted():
            await cur.execute("UPDATE user_accounts SET status = 'deleted' WHERE id = %s", (account_id,))
            await cur.execute(
                "UPDATE user_sessions SET revoked_at = %s WHERE account_id = %s AND revoked_at IS NULL",
                (at, account_id),
            )
        case PasswordResetRequested():
            pass  # the token lives in the aggregate only
    await cur.execute("UPDATE user_accounts SET updated_at = %s, version = %s WHERE id = %s", (at, version, account_id))


USER_ACCOUNT_PROJECTION = Projection(
    domain="user_account", ddl=DDL, tables=("user_accounts", "user_sessions"), apply=apply
)
