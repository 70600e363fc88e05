"""Queries of the user-account read model for other domains' routes."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_one


async def is_active_account(conn: AsyncConnection[Any], account_id: str) -> bool:
    return await fetch_one(conn, "SELECT 1 AS found FROM user_accounts WHERE id = %s AND status = 'active'",
                           (account_id,)) is not None  # fmt: skip


async def account(conn: AsyncConnection[Any], account_id: str) -> Row | None:
    """The account's row, password hash included (for checking a password, never for showing)."""
    return await fetch_one(
        conn,
        """SELECT id::text, email, password_hash, first_name, last_name, phone, locale, email_verified,
                  status, created_at, updated_at, version FROM user_accounts WHERE id = %s""",
        (account_id,),
    )
