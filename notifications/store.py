"""Notifications in Postgres: the inbox, the deliveries to send, preferences, and who relates to what.

- `notification_subjects`: per aggregate a rule may name, its label (a shipment's reference, a partner's name)
  and the people related to it (owner, declarant), kept by the worker from the events it reads.
- `notifications`: the in-app inbox, one row per event and person (tenant-scoped, and each person sees only
  their own rows: row-level security on both), with its read state.
- `notification_deliveries`: one row per event, person and channel that goes out of the platform (email
  today). The key makes one event one email; the sender claims a row by locking it, sends, and marks it sent
  in that same transaction, so a sender killed mid-send leaves it unsent, and it is sent again on restart
  with the same Message-ID (derived from the key), by which a duplicate is recognised.
- `notification_preferences`: a person's channels per kind and quiet hours (their own row only).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import time
from typing import Any

import orjson
from psycopg import AsyncConnection

from notifications.preferences import Preferences, QuietHours
from notifications.rules import Channel
from sinks.postgres.projection import Projection
from sinks.postgres.tenancy import USER_SETTING

NOTIFICATION_NAMESPACE = uuid.UUID("0d7b3c55-5e43-4f0c-9d6f-3a1f1f3b6a90")
OWN_ROWS = f"user_id = current_setting('{USER_SETTING}', true)"

DDL = (
    """CREATE TABLE IF NOT EXISTS notification_subjects (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        tenant_id text,
        label text,
        owner_id text,
        declarant_id text,
        PRIMARY KEY (aggregate_type, aggregate_id)
    )""",
    """CREATE TABLE IF NOT EXISTS notifications (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        user_id text NOT NULL,
        event_id text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        created_at timestamptz NOT NULL,
        read_at timestamptz,
        UNIQUE (event_id, user_id)
    )""",
    "CREATE INDEX IF NOT EXISTS notifications_inbox ON notifications (tenant_id, user_id, created_at DESC, id)",
    "DROP POLICY IF EXISTS own_notifications ON notifications",
    f"CREATE POLICY own_notifications ON notifications AS RESTRICTIVE USING ({OWN_ROWS})",
    """CREATE TABLE IF NOT EXISTS notification_deliveries (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL,
        user_id text NOT NULL,
        channel text NOT NULL,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        digest boolean NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        language text NOT NULL,
        message_id text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        due_at timestamptz NOT NULL,
        sent_at timestamptz,
        UNIQUE (event_id, user_id, channel)
    )""",
    # What a delivery is about (a chat message's conversation) and the channel's receipt of it (a Telegram
    # message's `<chat>:<id>`): a reply in Telegram finds its conversation by them.
    """ALTER TABLE notification_deliveries ADD COLUMN IF NOT EXISTS aggregate_type text,
        ADD COLUMN IF NOT EXISTS aggregate_id text, ADD COLUMN IF NOT EXISTS receipt text""",
    """CREATE INDEX IF NOT EXISTS notification_deliveries_receipt ON notification_deliveries (receipt)
        WHERE receipt IS NOT NULL""",
    """CREATE INDEX IF NOT EXISTS notification_deliveries_due ON notification_deliveries (due_at)
        WHERE status = 'pending'""",
    # What a check found (an invoice overdue for a due date), once: the next checks skip it.
    "CREATE TABLE IF NOT EXISTS notification_findings (event_id text PRIMARY KEY, found_at timestamptz NOT NULL)",
    """CREATE TABLE IF NOT EXISTS notification_preferences (
        user_id text PRIMARY KEY,
        channels jsonb NOT NULL DEFAULT '{}',
        quiet_start time,
        quiet_end time,
        timezone text NOT NULL DEFAULT 'UTC',
        updated_at timestamptz NOT NULL DEFAULT now()
    )""",
    "ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS own_preferences ON notification_preferences",
    f"CREATE POLICY own_preferences ON notification_preferences USING ({OWN_ROWS}) WITH CHECK ({OWN_ROWS})",
    # Telegram: a person's linked chat (one chat per person, one person per chat), and the one-time codes
    # asked for to link it (only their hash kept). The API's webhook links and unlinks without a session, so
    # no row-level policy: every statement names the person or the chat.
    """CREATE TABLE IF NOT EXISTS telegram_links (
        user_id text PRIMARY KEY,
        chat_id bigint NOT NULL UNIQUE,
        username text NOT NULL DEFAULT '',
        linked_at timestamptz NOT NULL DEFAULT now()
    )""",
    """CREATE TABLE IF NOT EXISTS telegram_link_codes (
        code_hash text PRIMARY KEY,
        user_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
    )""",
    "CREATE INDEX IF NOT EXISTS telegram_link_codes_user ON telegram_link_codes (user_id)",
)

# Not a domain's read model (no aggregate is called "notification"): its tables are made with the others,
# are never dropped by a replay (`tables` is empty: the inbox's read state lives only here), and the API may
# mark its own notifications read and keep its own preferences.
NOTIFICATION_PROJECTION = Projection(
    domain="notification",
    ddl=DDL,
    tables=(),
    apply=lambda cur, envelope, event: _nothing(),
    tenant_tables=("notifications",),
    api_grants=(
        "UPDATE (read_at) ON notifications",
        "INSERT, UPDATE ON notification_preferences",
        "INSERT, UPDATE, DELETE ON telegram_links, telegram_link_codes",
    ),
)


async def _nothing() -> None:
    return None


def notification_id(event_id: str, user_id: str) -> str:
    """The inbox row's id: one per event and person, and not guessable from another's."""
    return str(uuid.uuid5(NOTIFICATION_NAMESPACE, f"{event_id}|{user_id}"))


def delivery_message_id(event_id: str, user_id: str, channel: str) -> str:
    """The email's Message-ID: the same for the same event, person and channel, so a duplicate shows."""
    digest = hashlib.sha256(f"{event_id}|{user_id}|{channel}".encode()).hexdigest()[:40]
    return f"<{digest}@notifications.wellwon>"


def preferences_from_row(row: dict[str, Any] | None) -> Preferences:
    if row is None:
        return Preferences()
    channels = row["channels"] if isinstance(row["channels"], dict) else orjson.loads(row["channels"])
    quiet = None
    if row["quiet_start"] is not None and row["quiet_end"] is not None:
        quiet = QuietHours(row["quiet_start"], row["quiet_end"], row["timezone"] or "UTC")
    return Preferences({k: tuple(Channel(c) for c in v) for k, v in channels.items()}, quiet)


async def preferences_of(conn: AsyncConnection[Any], user_ids: list[str]) -> dict[str, Preferences]:
    async with conn.cursor() as cur:
        await cur.execute(
            """SELECT user_id, channels, quiet_start, quiet_end, timezone FROM notification_preferences
               WHERE user_id = ANY(%s)""",
            (user_ids,),
        )
        names = [d.name for d in cur.description or ()]
        rows = {r[0]: dict(zip(names, r, strict=True)) for r in await cur.fetchall()}
    return {u: preferences_from_row(rows.get(u)) for u in user_ids}


def preferences_json(preferences: Preferences, kinds: tuple[str, ...]) -> dict[str, Any]:
    quiet = preferences.quiet_hours
    return {
        "channels": {kind: [str(c) for c in preferences.channels_for(kind)] for kind in kinds},
        "quiet_hours": None
        if quiet is None
        else {"start": clock(quiet.start), "end": clock(quiet.end), "timezone": quiet.timezone},
    }


def clock(at: time) -> str:
    """HH:MM, or HH:MM:SS when the seconds are not zero."""
    return at.isoformat(timespec="minutes" if at.second == 0 else "seconds")
