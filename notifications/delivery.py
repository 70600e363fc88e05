"""Sending deliveries after the event: one email per (event, person, channel), retried, never twice on purpose.

A delivery is claimed by locking its row (`FOR UPDATE SKIP LOCKED`), sent, and marked sent in the same
transaction. A sender killed while sending holds no lock any more (its connection is gone), so the row is
pending again and the next sender sends it, with the same Message-ID: only a kill between the SMTP server's
acceptance and the commit can repeat an email, and the repeat carries the first one's Message-ID.

A failed send is retried with a doubling wait (`retry_wait`); after `MAX_ATTEMPTS` the delivery is marked
failed with the last error. Digest kinds wait until the oldest of a person's pending ones has waited the
digest window, then go as one email. Each channel has its `Sender`: email by SMTP, Telegram by the Bot API
(`notifications.telegram`); what a sender answers (a Telegram message's id) is kept as the delivery's receipt.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import psycopg
from psycopg import AsyncConnection

from api.mailer import SENDER, send_smtp
from notifications.digest import Waiting, due_batches
from notifications.rules import Channel
from notifications.templates import Letter, Text, letter
from sinks.postgres.database import owner_dsn
from wellwon.config import Settings, setting

log = logging.getLogger("wellwon.notifications")

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 600.0
IDLE_SECONDS = 0.3


def retry_wait(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: 2 s, 4 s, 8 s... up to 10 minutes."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


class Sender(Protocol):
    channel: Channel

    async def address(self, conn: AsyncConnection[Any], user_id: str) -> str | None:
        """Where this person is reached on the channel, or None (then the delivery fails at once)."""

    async def send(self, address: str, message: Letter, message_id: str) -> str | None:
        """Deliver or raise; what the channel answered that identifies the message there (kept as its receipt)."""


class EmailSender:
    channel = Channel.EMAIL

    def __init__(self, smtp_url: str):
        self.smtp_url = smtp_url

    async def address(self, conn: AsyncConnection[Any], user_id: str) -> str | None:
        async with conn.cursor() as cur:
            await cur.execute("SELECT email FROM user_accounts WHERE id::text = %s AND status = 'active'", (user_id,))
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def send(self, address: str, message: Letter, message_id: str) -> str | None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = SENDER, address, message.subject
        email["Message-ID"], email["Date"] = message_id, formatdate(usegmt=True)
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        await asyncio.to_thread(send_smtp, self.smtp_url, email)
        return None


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if asked to stop."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


def digest_message_id(message_ids: list[str]) -> str:
    return f"<{hashlib.sha256('|'.join(sorted(message_ids)).encode()).hexdigest()[:40]}@digest.wellwon>"


@dataclass
class Deliveries:
    settings: Settings
    senders: dict[Channel, Sender]
    digest_window: timedelta
    _stopping: asyncio.Event | None = None

    def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def run(self) -> None:
        self._stopping = asyncio.Event()
        conn: AsyncConnection[Any] | None = None
        outages = 0
        while not self._stopping.is_set():
            try:
                if conn is None or conn.closed:
                    conn = await AsyncConnection.connect(owner_dsn(self.settings))
                worked = await self.send_next(conn) or await self.send_next_digest(conn)
                outages = 0
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning("notification store unavailable", extra={"error": repr(exc)})
                worked, outages = False, outages + 1
                conn = None
            if not worked:
                await self._idle(IDLE_SECONDS * (1 + min(outages, 20)))
        if conn is not None:
            await conn.close()

    async def _idle(self, seconds: float) -> None:
        assert self._stopping is not None
        await pause(self._stopping, seconds)

    async def send_next(self, conn: AsyncConnection[Any]) -> bool:
        """Send the next due single delivery, if any; whether there was one."""
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute(
                """SELECT id, user_id, channel, title, body, language, message_id, attempts
                   FROM notification_deliveries WHERE status = 'pending' AND NOT digest AND due_at <= now()
                   ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"""
            )
            row = await cur.fetchone()
            if row is None:
                return False
            delivery_id, user_id, channel, title, body, language, message_id, attempts = row
            message = letter(language, [Text(title, body)])
            await self._deliver(conn, [delivery_id], user_id, Channel(channel), message, message_id, attempts)
        return True

    async def send_next_digest(self, conn: AsyncConnection[Any]) -> bool:
        """Send one due digest (a person's pending deliveries of a digest kind), if any."""
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute(
                """SELECT id, user_id, kind, created_at, due_at FROM notification_deliveries
                   WHERE status = 'pending' AND digest ORDER BY id FOR UPDATE SKIP LOCKED"""
            )
            waiting = [Waiting(*row) for row in await cur.fetchall()]
            batches = due_batches(waiting, datetime.now(UTC), self.digest_window)
            if not batches:
                return False
            batch = batches[0]
            await cur.execute(
                """SELECT channel, title, body, language, message_id, attempts FROM notification_deliveries
                   WHERE id = ANY(%s) ORDER BY created_at, id""",
                ([w.delivery_id for w in batch.deliveries],),
            )
            rows = await cur.fetchall()
            texts = [Text(title, body) for _, title, body, _, _, _ in rows]
            channel, language = rows[0][0], rows[0][3]
            message = letter(language, texts, title=texts[0].title)
            message_id = digest_message_id([r[4] for r in rows])
            ids, attempts = [w.delivery_id for w in batch.deliveries], max(r[5] for r in rows)
            await self._deliver(conn, ids, batch.user_id, Channel(channel), message, message_id, attempts)
        return True

    async def _deliver(
        self,
        conn: AsyncConnection[Any],
        ids: list[int],
        user_id: str,
        channel: Channel,
        message: Letter,
        message_id: str,
        attempts: int,
    ) -> None:
        """Send and record the outcome, inside the caller's transaction (which holds the rows' locks)."""
        sender = self.senders.get(channel)
        address = await sender.address(conn, user_id) if sender else None
        if sender is None or address is None:
            await conn.execute(
                "UPDATE notification_deliveries SET status = 'failed', last_error = %s WHERE id = ANY(%s)",
                ("no sender for the channel" if sender is None else "the person has no address there", ids),
            )
            return
        try:
            receipt = await sender.send(address, message, message_id)
        except Exception as exc:  # any failure to hand it over: the server down, refusing, timing out
            tries = attempts + 1
            failed = tries >= MAX_ATTEMPTS
            log.warning(
                "notification not delivered",
                extra={"channel": str(channel), "deliveries": ids, "attempt": tries, "error": repr(exc),
                       "gives_up": failed},
            )  # fmt: skip
            await conn.execute(
                """UPDATE notification_deliveries SET attempts = %s, last_error = %s,
                       status = CASE WHEN %s THEN 'failed' ELSE 'pending' END, due_at = now() + %s
                   WHERE id = ANY(%s)""",
                (tries, repr(exc)[:1000], failed, retry_wait(tries), ids),
            )
            return
        await conn.execute(
            """UPDATE notification_deliveries SET status = 'sent', sent_at = now(), attempts = attempts + 1,
                   receipt = %s
               WHERE id = ANY(%s)""",
            (receipt, ids),
        )


def senders_from_settings() -> dict[Channel, Sender]:
    """The channels that can send here: email when SMTP_URL is set (the local stack's maildev by default),
    Telegram when a bot token is (`notifications.telegram.TelegramConfig`)."""
    from notifications.telegram import TelegramConfig, TelegramSender

    smtp_url, telegram = setting("SMTP_URL"), TelegramConfig.from_env()
    senders: dict[Channel, Sender] = {Channel.EMAIL: EmailSender(smtp_url)} if smtp_url else {}
    if telegram.enabled:
        senders[Channel.TELEGRAM] = TelegramSender(telegram)
    return senders
