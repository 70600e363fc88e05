"""Projection of chat events: conversations, the companies each is shown to, members, messages and read markers.

Row-level security: `chat_conversation_companies` holds one row per company a conversation is shown to (the
owner, and a partner: invited, then accepted) under the ordinary tenant policy. The other chat tables are
shared by two tenants, so their policy admits a row when the caller's company has such a row for its
conversation (accepted, for members and messages): both companies read one copy, a third reads nothing.
"""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from sinks.records import public_payload
from streams.chat.domain import CHAT
from streams.chat.events import (
    ConversationAccepted,
    ConversationOpened,
    MemberAdded,
    MemberRemoved,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReadMarked,
)
from wellwon.envelope import Envelope

SHOWN = "SELECT conversation_id FROM chat_conversation_companies"  # under its own tenant policy
TAKING_PART = f"{SHOWN} WHERE status <> 'invited'"

DDL = (
    """CREATE TABLE IF NOT EXISTS chat_conversations (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        owner_name text NOT NULL,
        partner_company_id text NOT NULL,
        partner_name text NOT NULL,
        partner_accepted boolean NOT NULL,
        last_seq integer NOT NULL,
        opened_by text NOT NULL,
        created_at timestamptz NOT NULL,
        last_message_at timestamptz
    )""",
    """CREATE INDEX IF NOT EXISTS chat_conversations_by_subject
       ON chat_conversations (tenant_id, subject_type, subject_id) WHERE subject_id <> ''""",
    """CREATE TABLE IF NOT EXISTS chat_conversation_companies (
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('owner', 'invited', 'accepted')),
        PRIMARY KEY (conversation_id, tenant_id)
    )""",
    "CREATE INDEX IF NOT EXISTS chat_conversation_companies_by_tenant ON chat_conversation_companies (tenant_id)",
    """CREATE TABLE IF NOT EXISTS chat_members (
        conversation_id text NOT NULL,
        user_id text NOT NULL,
        company_id text NOT NULL,
        role text NOT NULL,
        last_read_seq integer NOT NULL,
        added_at timestamptz NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
    )""",
    "CREATE INDEX IF NOT EXISTS chat_members_by_user ON chat_members (user_id)",
    """CREATE TABLE IF NOT EXISTS chat_messages (
        conversation_id text NOT NULL,
        seq integer NOT NULL,
        event_id text NOT NULL,
        author_id text NOT NULL,
        company_id text NOT NULL,
        body text NOT NULL,
        reply_to integer NOT NULL,
        mentions text[] NOT NULL,
        attachments jsonb NOT NULL,
        posted_at timestamptz NOT NULL,
        edited_at timestamptz,
        deleted_at timestamptz,
        PRIMARY KEY (conversation_id, seq)
    )""",
    # The partner's name for the invitation, without showing the opener any other row of the partner's.
    """CREATE OR REPLACE FUNCTION chat_company_name(company text)
       RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
       $$ SELECT COALESCE(NULLIF(short_name, ''), legal_name) FROM companies
          WHERE id = company AND status = 'active' $$""",
    *(
        statement
        for table, admitted in (
            ("chat_conversations", f"id IN ({SHOWN})"),
            ("chat_members", None),
            ("chat_messages", None),
        )
        for statement in (
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS chat_participation ON {table}",
            f"CREATE POLICY chat_participation ON {table} USING ({admitted or f'conversation_id IN ({TAKING_PART})'})",
        )
    ),
)
TABLES = ("chat_conversations", "chat_conversation_companies", "chat_members", "chat_messages")


async def _company_name(cur: AsyncCursor[Any], company_id: str) -> str:
    await cur.execute("SELECT COALESCE(NULLIF(short_name, ''), legal_name) FROM companies WHERE id = %s", (company_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else ""


async def _member(cur: AsyncCursor[Any], conversation_id: str, event: MemberAdded) -> None:
    await cur.execute(
        """INSERT INTO chat_members (conversation_id, user_id, company_id, role, last_read_seq, added_at)
           VALUES (%s, %s, %s, %s, 0, %s) ON CONFLICT (conversation_id, user_id) DO UPDATE SET role = EXCLUDED.role""",
        (conversation_id, event.user_id, event.company_id, event.role, event.added_at),
    )


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    conversation_id = envelope.aggregate_id
    match event:
        case ConversationOpened():
            await cur.execute(
                """INSERT INTO chat_conversations (id, tenant_id, kind, title, subject_type, subject_id, owner_name,
                       partner_company_id, partner_name, partner_accepted, last_seq, opened_by, created_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, false, 0, %s, %s) ON CONFLICT (id) DO NOTHING""",
                (
                    conversation_id, event.tenant_id, str(event.kind), event.title, event.subject_type,
                    event.subject_id, await _company_name(cur, event.tenant_id), event.partner_company_id,
                    await _company_name(cur, event.partner_company_id) if event.partner_company_id else "",
                    event.opened_by, event.opened_at,
                ),
            )  # fmt: skip
            shown = [(event.tenant_id, "owner")] + (
                [(event.partner_company_id, "invited")] if event.partner_company_id else []
            )
            await cur.executemany(
                """INSERT INTO chat_conversation_companies (tenant_id, conversation_id, status) VALUES (%s, %s, %s)
                   ON CONFLICT DO NOTHING""",
                [(company, conversation_id, status) for company, status in shown],
            )
            opener = MemberAdded(
                event.opened_by, event.tenant_id, event.opened_role, event.opened_by, event.opened_at, ()
            )
            await _member(cur, conversation_id, opener)
        case ConversationAccepted():
            await cur.execute("UPDATE chat_conversations SET partner_accepted = true WHERE id = %s", (conversation_id,))
            await cur.execute(
                """UPDATE chat_conversation_companies SET status = 'accepted'
                   WHERE conversation_id = %s AND tenant_id = %s""",
                (conversation_id, event.company_id),
            )
        case MemberAdded():
            await _member(cur, conversation_id, event)
        case MemberRemoved():
            await cur.execute(
                "DELETE FROM chat_members WHERE conversation_id = %s AND user_id = %s", (conversation_id, event.user_id)
            )
        case MessagePosted():
            attachments = orjson.dumps([public_payload(a) for a in event.attachments]).decode()
            await cur.execute(
                """INSERT INTO chat_messages (conversation_id, seq, event_id, author_id, company_id, body, reply_to,
                       mentions, attachments, posted_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT DO NOTHING""",
                (
                    conversation_id, event.seq, envelope.message_id, event.author_id, event.company_id, event.body,
                    event.reply_to, list(event.mentions), attachments, event.posted_at,
                ),
            )  # fmt: skip
            await cur.execute(
                "UPDATE chat_conversations SET last_seq = GREATEST(last_seq, %s), last_message_at = %s WHERE id = %s",
                (event.seq, event.posted_at, conversation_id),
            )
            await _read_up_to(cur, conversation_id, event.author_id, event.seq)
        case MessageEdited():
            await cur.execute(
                """UPDATE chat_messages SET body = %s, edited_at = %s
                   WHERE conversation_id = %s AND seq = %s AND deleted_at IS NULL""",
                (event.body, event.edited_at, conversation_id, event.seq),
            )
        case MessageDeleted():
            # The log keeps what was said; the read model only that something was, and when it was deleted.
            await cur.execute(
                """UPDATE chat_messages SET body = '', mentions = '{}', attachments = '[]', deleted_at = %s
                   WHERE conversation_id = %s AND seq = %s""",
                (event.deleted_at, conversation_id, event.seq),
            )
        case ReadMarked():
            await _read_up_to(cur, conversation_id, event.user_id, event.seq)


async def _read_up_to(cur: AsyncCursor[Any], conversation_id: str, user_id: str, seq: int) -> None:
    await cur.execute(
        """UPDATE chat_members SET last_read_seq = GREATEST(last_read_seq, %s)
           WHERE conversation_id = %s AND user_id = %s""",
        (seq, conversation_id, user_id),
    )


CHAT_PROJECTION = Projection(
    domain=CHAT.name, ddl=DDL, tables=TABLES, apply=apply, tenant_tables=("chat_conversation_companies",)
)
