"""Outbound mail: SMTP when SMTP_URL is set, else a Redis list (`<ns>mail:outbox`) for local use."""

from __future__ import annotations

import asyncio
import base64
import os
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlparse

import orjson
import redis.asyncio as redis

from wellwon.config import Settings

SENDER = os.environ.get("MAIL_FROM", "no-reply@wellwon.local")


def send_smtp(smtp_url: str, message: EmailMessage) -> None:
    """Hand one message to the SMTP server at `smtp_url` (smtp://, or smtp+starttls:// with user:password@)."""
    url = urlparse(smtp_url)
    with smtplib.SMTP(url.hostname or "127.0.0.1", url.port or 25, timeout=10) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(url.username, url.password or "")
        smtp.send_message(message)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. application/pdf
    data: bytes


class Mailer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp_url = os.environ.get("SMTP_URL")
        self.redis = redis.from_url(settings.redis_url)

    @property
    def outbox(self) -> str:
        return self.settings.name("mail:outbox")

    async def send(
        self,
        to: str,
        subject: str,
        body: str,
        tokens: dict[str, str] | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> None:
        if self.smtp_url:
            await asyncio.to_thread(self._send_smtp, to, subject, body, attachments)
            return
        # Locally, mail is kept where a developer (or a test) can read it, tokens included.
        letter: dict[str, object] = {"to": to, "subject": subject, "body": body, "tokens": tokens or {}}
        if attachments:
            letter["attachments"] = [
                {"filename": a.filename, "content_type": a.content_type, "base64": base64.b64encode(a.data).decode()}
                for a in attachments
            ]
        await self.redis.rpush(self.outbox, orjson.dumps(letter))
        await self.redis.ltrim(self.outbox, -1000, -1)

    def _send_smtp(self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()) -> None:
        send_smtp(self.smtp_url or "", mime_message(to, subject, body, attachments))

    async def close(self) -> None:
        await self.redis.aclose()


def mime_message(to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """The letter as SMTP sends it: a text body, and each attachment as a MIME part of its own type."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, to, subject
    message.set_content(body)
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message
