"""Queries of the EDI read model: trading partners with their API keys, and each inbound message's result."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso

MESSAGE_COLUMNS = """message_id, partner_id, status, reason, sender_id, control_reference, attempts, duplicates,
                     messages, received_at, updated_at"""


async def partner(conn: AsyncConnection[Any], partner_id: str) -> Row | None:
    """The partner and its API keys (ids, labels, dates: never the key)."""
    row = await fetch_one(
        conn,
        """SELECT id, code, name, sender_ids, timezone, reference_qualifiers, status_codes, interchanges,
                  created_at, version FROM edi_partners WHERE id = %s""",
        (partner_id,),
    )
    if row is None:
        return None
    keys = await fetch_all(
        conn,
        "SELECT key_id, label, issued_at, revoked_at FROM edi_api_keys WHERE partner_id = %s ORDER BY issued_at",
        (partner_id,),
    )
    return {**with_iso(row, "created_at"), "api_keys": [with_iso(key, "issued_at", "revoked_at") for key in keys]}


async def partners(conn: AsyncConnection[Any]) -> list[Row]:
    return await fetch_all(conn, "SELECT id, code, name, sender_ids, interchanges FROM edi_partners ORDER BY code")


async def partner_of_key(conn: AsyncConnection[Any], key_hash: str) -> tuple[str, str] | None:
    """(partner id, tenant id) of an active API key, by its hash."""
    row = await fetch_one(conn, "SELECT partner_id, tenant_id FROM edi_partner_of_key(%s)", (key_hash,))
    return None if row is None else (str(row["partner_id"]), str(row["tenant_id"]))


async def message(conn: AsyncConnection[Any], message_id: str, partner_id: str | None) -> Row | None:
    """One message's result; with `partner_id`, only if that partner sent it."""
    row = await fetch_one(
        conn,
        f"""SELECT {MESSAGE_COLUMNS} FROM edi_messages
            WHERE message_id = %(message)s AND (%(partner)s::text IS NULL OR partner_id = %(partner)s)""",
        {"message": message_id, "partner": partner_id},
    )
    return None if row is None else with_iso(row, "received_at", "updated_at")


async def messages(conn: AsyncConnection[Any], partner_id: str | None, limit: int) -> list[Row]:
    rows = await fetch_all(
        conn,
        f"""SELECT {MESSAGE_COLUMNS} FROM edi_messages WHERE (%(partner)s::text IS NULL OR partner_id = %(partner)s)
            ORDER BY received_at DESC LIMIT %(limit)s""",
        {"partner": partner_id, "limit": limit},
    )
    return [with_iso(row, "received_at", "updated_at") for row in rows]
