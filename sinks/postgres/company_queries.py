"""Queries of the company read model: companies, participants, invitations, and who belongs where."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso


async def company(conn: AsyncConnection[Any], company_id: str) -> Row | None:
    """The company as the API shows it (`name` is the short name)."""
    row = await fetch_one(
        conn,
        """SELECT id, legal_name, short_name AS name, country, inn, kpp, ogrn, vat_number, registration_number,
                  details, status, created_by, created_at, updated_at, version FROM companies WHERE id = %s""",
        (company_id,),
    )
    return None if row is None else with_iso(row, "created_at", "updated_at")


async def companies_of_user(conn: AsyncConnection[Any], account_id: str) -> list[Row]:
    return await fetch_all(
        conn,
        """SELECT company_id AS id, role, legal_name, short_name AS name, country, status
           FROM companies_of_user(%s)""",
        (account_id,),
    )


async def first_active_company(conn: AsyncConnection[Any], account_id: str) -> str | None:
    """The active company the user joined first, if any."""
    row = await fetch_one(
        conn, "SELECT company_id FROM companies_of_user(%s) WHERE status = 'active' LIMIT 1", (account_id,)
    )
    return None if row is None else str(row["company_id"])


async def role_in_company(conn: AsyncConnection[Any], company_id: str, account_id: str) -> str | None:
    row = await fetch_one(conn, "SELECT role_in_company(%s, %s) AS role", (company_id, account_id))
    return None if row is None else row["role"]


async def participants(conn: AsyncConnection[Any]) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT p.user_id, p.role, p.joined_at, a.email, a.first_name, a.last_name
           FROM company_participants p LEFT JOIN user_accounts a ON a.id::text = p.user_id
           ORDER BY p.joined_at""",
    )
    return [with_iso(row, "joined_at") for row in rows]


async def invitations(conn: AsyncConnection[Any]) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT invitation_id AS id, email, role, status, expires_at, invited_by, created_at
           FROM company_invitations ORDER BY created_at DESC""",
    )
    return [with_iso(row, "expires_at", "created_at") for row in rows]


async def company_of_invitation(conn: AsyncConnection[Any], token_hash: str) -> str | None:
    """The company whose open invitation has this token hash, if any."""
    row = await fetch_one(conn, "SELECT company_of_invitation(%s) AS company_id", (token_hash,))
    return None if row is None or row["company_id"] is None else str(row["company_id"])
