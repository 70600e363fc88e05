"""Telegram links in Postgres: asking for a link code, redeeming it from the bot, the link's state, unlinking.

Statements name the person or the chat they are about (the webhook has no session, so the tables have no
row-level policy); a code is redeemed by one atomic update, so two redemptions of one code cannot both win.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection

from notifications.telegram import code_hash, expiry, new_code
from sinks.postgres.queries import Row, fetch_one, with_iso


async def ask_code(conn: AsyncConnection[Any], user_id: str, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh code for the person (their older unused ones stop working) and when it expires."""
    code, expires_at = new_code(), expiry(now or datetime.now(UTC))
    await conn.execute("DELETE FROM telegram_link_codes WHERE user_id = %s OR expires_at < now()", (user_id,))
    await conn.execute(
        "INSERT INTO telegram_link_codes (code_hash, user_id, expires_at) VALUES (%s, %s, %s)",
        (code_hash(code), user_id, expires_at),
    )
    return code, expires_at


async def redeem(conn: AsyncConnection[Any], code: str, chat_id: int, username: str) -> str | None:
    """Link the chat to the person who asked for the code, if it is known, unused and unexpired: who, or None.
    A chat linked to someone else before is theirs no more (one person per chat)."""
    row = await fetch_one(
        conn,
        """UPDATE telegram_link_codes SET used_at = now()
           WHERE code_hash = %s AND used_at IS NULL AND expires_at > now() RETURNING user_id""",
        (code_hash(code),),
    )
    if row is None:
        return None
    user_id = str(row["user_id"])
    await conn.execute("DELETE FROM telegram_links WHERE chat_id = %s AND user_id <> %s", (chat_id, user_id))
    await conn.execute(
        """INSERT INTO telegram_links (user_id, chat_id, username, linked_at) VALUES (%s, %s, %s, now())
           ON CONFLICT (user_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, username = EXCLUDED.username,
             linked_at = now()""",
        (user_id, chat_id, username[:64]),
    )
    return user_id


async def link_of(conn: AsyncConnection[Any], user_id: str) -> Row | None:
    row = await fetch_one(
        conn, "SELECT chat_id, username, linked_at FROM telegram_links WHERE user_id = %s", (user_id,)
    )
    return with_iso(row, "linked_at") if row else None


async def user_of_chat(conn: AsyncConnection[Any], chat_id: int) -> Row | None:
    """The person linked to the chat, with their language."""
    return await fetch_one(
        conn,
        """SELECT l.user_id, coalesce(a.locale, 'en') AS locale FROM telegram_links l
           LEFT JOIN user_accounts a ON a.id::text = l.user_id WHERE l.chat_id = %s""",
        (chat_id,),
    )


async def unlink(conn: AsyncConnection[Any], user_id: str | None = None, chat_id: int | None = None) -> bool:
    """Remove the person's (or the chat's) link; whether there was one. Its pending Telegram deliveries then
    find no address and are not sent."""
    row = await fetch_one(
        conn, "DELETE FROM telegram_links WHERE user_id = %s OR chat_id = %s RETURNING user_id", (user_id, chat_id)
    )
    return row is not None


async def conversation_of_reply(
    conn: AsyncConnection[Any], user_id: str, chat_id: int, replied: int | None
) -> str | None:
    """The conversation a reply goes to: the one whose message it answers, else the last that wrote to them."""
    row = await fetch_one(
        conn,
        """SELECT aggregate_id FROM notification_deliveries
           WHERE user_id = %s AND channel = 'telegram' AND kind = 'chat_message' AND status = 'sent'
             AND (%s::text IS NULL OR receipt = %s::text)
           ORDER BY sent_at DESC, id DESC LIMIT 1""",
        (
            user_id,
            None if replied is None else f"{chat_id}:{replied}",
            None if replied is None else f"{chat_id}:{replied}",
        ),
    )
    return str(row["aggregate_id"]) if row and row["aggregate_id"] else None
