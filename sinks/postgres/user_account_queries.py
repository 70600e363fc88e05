"""Queries of the user-account read model for other domains' routes."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import fetch_one


async def is_active_account(conn: AsyncConnection[Any], account_id: str) -> bool:
    return await fetch_one(conn, "SELECT 1 AS found FROM user_accounts WHERE id = %s AND status = 'active'",
                           (account_id,)) is not None  # fmt: skip
