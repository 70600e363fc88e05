"""Queries of the chat read model: the caller's conversations with unread counts, one conversation with its
members, messages after a sequence number (catch-up), and the checks the routes make before a command.

Every query runs in the API's `tenant_db`: row-level security shows only conversations shown to the caller's
company (see sinks/postgres/chat.py), so a third company's id reads as absent.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection, sql

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso

# The read model of each thing a thread can be about (the API checks the caller's company has it).
SUBJECT_TABLES = {
    "shipment": "shipments",
    "declaration": "customs_declarations",
    "purchase_order": "purchase_orders",
    "document": "documents",
}

CONVERSATION = """
    SELECT c.id, c.kind, c.title, c.subject_type, c.subject_id, c.tenant_id AS owner_company_id, c.owner_name,
           c.partner_company_id, c.partner_name, c.partner_accepted, c.last_seq, c.created_at, c.last_message_at,
           mine.status AS company_status, m.user_id IS NOT NULL AS is_member,
           COALESCE(m.last_read_seq, 0) AS last_read_seq,
           CASE WHEN m.user_id IS NULL THEN 0 ELSE (
               SELECT count(*) FROM chat_messages x WHERE x.conversation_id = c.id AND x.seq > m.last_read_seq
                   AND x.author_id <> %(user)s AND x.deleted_at IS NULL) END AS unread
    FROM chat_conversations c
    JOIN chat_conversation_companies mine ON mine.conversation_id = c.id
    LEFT JOIN chat_members m ON m.conversation_id = c.id AND m.user_id = %(user)s"""


def _conversation(row: Row) -> Row:
    return with_iso(row, "created_at", "last_message_at")


async def conversations(conn: AsyncConnection[Any], user_id: str) -> list[Row]:
    """The conversations shown to the caller's company, latest activity first."""
    rows = await fetch_all(
        conn,
        sql.SQL(CONVERSATION + " ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id LIMIT 500"),
        {"user": user_id},
    )
    return [_conversation(row) for row in rows]


async def conversation(conn: AsyncConnection[Any], conversation_id: str, user_id: str) -> Row | None:
    """One conversation with its members (none shown to an invited company until it accepts)."""
    row = await fetch_one(
        conn, sql.SQL(CONVERSATION + " WHERE c.id = %(id)s"), {"user": user_id, "id": conversation_id}
    )
    if row is None:
        return None
    members = await fetch_all(
        conn,
        """SELECT m.user_id, m.company_id, m.role, m.last_read_seq, m.added_at,
                  trim(COALESCE(a.first_name, '') || ' ' || COALESCE(a.last_name, '')) AS name
           FROM chat_members m LEFT JOIN user_accounts a ON a.id::text = m.user_id
           WHERE m.conversation_id = %s ORDER BY m.added_at, m.user_id""",
        (conversation_id,),
    )
    return {**_conversation(row), "members": [with_iso(m, "added_at") for m in members]}


async def unread_total(conn: AsyncConnection[Any], user_id: str) -> int:
    row = await fetch_one(
        conn,
        """SELECT count(*) AS unread FROM chat_members m
           JOIN chat_messages x ON x.conversation_id = m.conversation_id AND x.seq > m.last_read_seq
           WHERE m.user_id = %s AND x.author_id <> m.user_id AND x.deleted_at IS NULL""",
        (user_id,),
    )
    return int(row["unread"]) if row else 0


MESSAGE = """
    SELECT x.seq, x.event_id, x.author_id, x.company_id, x.body, x.reply_to, x.mentions, x.attachments, x.posted_at,
           x.edited_at, x.deleted_at, x.deleted_at IS NOT NULL AS deleted,
           trim(COALESCE(a.first_name, '') || ' ' || COALESCE(a.last_name, '')) AS author_name
    FROM chat_messages x LEFT JOIN user_accounts a ON a.id::text = x.author_id
    WHERE x.conversation_id = %s"""


def _message(row: Row) -> Row:
    return with_iso(row, "posted_at", "edited_at", "deleted_at")


async def messages(conn: AsyncConnection[Any], conversation_id: str, after_seq: int, limit: int) -> list[Row]:
    """Messages after `after_seq` in sequence order: what a client that saw up to `after_seq` has not."""
    rows = await fetch_all(
        conn, sql.SQL(MESSAGE + " AND x.seq > %s ORDER BY x.seq LIMIT %s"), (conversation_id, after_seq, limit)
    )
    return [_message(row) for row in rows]


async def message_of_event(conn: AsyncConnection[Any], conversation_id: str, event_id: str) -> Row | None:
    row = await fetch_one(conn, sql.SQL(MESSAGE + " AND x.event_id = %s"), (conversation_id, event_id))
    return None if row is None else _message(row)


async def message(conn: AsyncConnection[Any], conversation_id: str, seq: int) -> Row | None:
    row = await fetch_one(conn, sql.SQL(MESSAGE + " AND x.seq = %s"), (conversation_id, seq))
    return None if row is None else _message(row)


async def subject_exists(conn: AsyncConnection[Any], subject_type: str, subject_id: str) -> bool:
    """Whether the caller's company has the object (row-level security hides every other company's)."""
    table = sql.Identifier(SUBJECT_TABLES[subject_type])
    return (
        await fetch_one(conn, sql.SQL("SELECT 1 AS found FROM {} WHERE id = %s").format(table), (subject_id,))
        is not None
    )


async def own_document(conn: AsyncConnection[Any], document_id: str) -> Row | None:
    """An active document of the caller's company (another company's reads as absent)."""
    return await fetch_one(
        conn,
        "SELECT id, COALESCE(NULLIF(title, ''), filename) AS title FROM documents WHERE id = %s AND status = 'active'",
        (document_id,),
    )


async def company_name(conn: AsyncConnection[Any], company_id: str) -> str | None:
    """An active company's name, whichever tenant asks (to invite it): nothing else of it."""
    row = await fetch_one(conn, "SELECT chat_company_name(%s) AS name", (company_id,))
    return None if row is None or row["name"] is None else str(row["name"])


async def role_in_company(conn: AsyncConnection[Any], company_id: str, user_id: str) -> str | None:
    row = await fetch_one(conn, "SELECT role_in_company(%s, %s) AS role", (company_id, user_id))
    return None if row is None or row["role"] is None else str(row["role"])
