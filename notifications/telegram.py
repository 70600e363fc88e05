"""Telegram as a notification channel: configuration, link codes, what an update asks for, and the sender.

The bot is reached through aiogram with a configurable Bot API base URL (`TELEGRAM_API_URL`: Telegram's, or
the local stack's own server). `TELEGRAM_BOT_TOKEN` unset means Telegram is off (no default secret; the local
stack generates a token for its own server only). Updates come either to the API's webhook route (webhook mode,
with `TELEGRAM_WEBHOOK_SECRET`) or, for local development, through getUpdates in the notification worker, which
hands each one to that same route (polling mode): one path handles every update.

A person links their Telegram chat by a one-time code they ask for (`/start <code>` in the bot): the code is
random, stored only as its hash, single-use, and expires after `CODE_LIFETIME`; it links only the person who
asked for it. The link lives beside their preferences (`telegram_links`), and `/stop` or the API unlinks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from psycopg import AsyncConnection

from notifications.rules import Channel
from notifications.templates import Letter
from wellwon.config import TELEGRAM_BOT_TOKEN_FILE, local_secret, setting

log = logging.getLogger("wellwon.telegram")

CODE_LIFETIME = timedelta(minutes=15)
MAX_TEXT = 4096  # the Bot API's limit for a message's text
WEBHOOK_PATH = "/api/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_url: str
    mode: str  # "webhook" or "polling"
    webhook_secret: str
    webhook_url: str  # where Telegram posts updates in webhook mode (a public HTTPS URL in production)

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @staticmethod
    def from_env() -> TelegramConfig:
        # Only the local stack's own server (TELEGRAM_API_URL not given) may take its generated token.
        token = os.environ.get("TELEGRAM_BOT_TOKEN", "") or (
            "" if "TELEGRAM_API_URL" in os.environ or not setting("TELEGRAM_API_URL").startswith("http://127.0.0.1")
            else local_secret("TELEGRAM_BOT_TOKEN", TELEGRAM_BOT_TOKEN_FILE)
        )  # fmt: skip
        # Without TELEGRAM_WEBHOOK_SECRET, one derived from the token: the API and the worker agree on it.
        derived = hmac.new(token.encode(), b"wellwon telegram webhook", hashlib.sha256).hexdigest()
        return TelegramConfig(
            token=token,
            api_url=setting("TELEGRAM_API_URL"),
            mode=setting("TELEGRAM_MODE") or "polling",
            webhook_secret=setting("TELEGRAM_WEBHOOK_SECRET") or derived,
            webhook_url=setting("TELEGRAM_WEBHOOK_URL"),
        )

    def bot(self) -> Bot:
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.api_url))
        return Bot(self.token, session=session)


@cache
def telegram_config() -> TelegramConfig:
    return TelegramConfig.from_env()


# Link codes ----------------------------------------------------------------------------------------------------


def new_code() -> str:
    """A one-time code for a deep link's `start` parameter (A-Z, a-z, 0-9, _ and -; at most 64 characters)."""
    return secrets.token_urlsafe(18)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def expiry(now: datetime) -> datetime:
    return now + CODE_LIFETIME


# What an update asks for ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    chat_id: int
    code: str
    username: str


@dataclass(frozen=True)
class Unlink:
    chat_id: int


@dataclass(frozen=True)
class Reply:
    """Text for a conversation: the one the replied-to bot message carried, else the last one that wrote."""

    chat_id: int
    text: str
    reply_to_message_id: int | None


@dataclass(frozen=True)
class Help:
    chat_id: int


Intent = Link | Unlink | Reply | Help


def intent_of(update: dict[str, Any]) -> Intent | None:
    """What a private message to the bot asks for; None for anything else (groups, edits, other update kinds)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, text = message.get("chat") or {}, message.get("text")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    if chat.get("type") != "private" or not isinstance(chat_id, int) or not isinstance(text, str):
        return None
    text = text.strip()
    if text.startswith("/"):
        command, _, argument = text.partition(" ")
        name = command[1:].split("@")[0].lower()
        if name == "start" and argument.strip():
            sender = message.get("from") or {}
            return Link(chat_id, argument.strip(), str(sender.get("username") or sender.get("first_name") or ""))
        if name == "stop":
            return Unlink(chat_id)
        return Help(chat_id)
    if not text:
        return None
    replied = message.get("reply_to_message")
    reply_to = replied.get("message_id") if isinstance(replied, dict) else None
    return Reply(chat_id, text, reply_to if isinstance(reply_to, int) else None)


# What the bot says back, in the person's language -------------------------------------------------------------

ANSWERS: dict[str, dict[str, str]] = {
    "linked": {
        "en": "Your WellWon account is linked: notifications and chat messages will come here. /stop unlinks.",
        "ru": "Аккаунт WellWon привязан: уведомления и сообщения чатов будут приходить сюда. /stop — отвязать.",
    },
    "bad_code": {
        "en": "This link code is unknown, used or expired. Ask for a new one in WellWon's notification settings.",
        "ru": "Код привязки неизвестен, уже использован или истёк. Получите новый в настройках уведомлений WellWon.",
    },
    "unlinked": {
        "en": "Unlinked: nothing more will be sent here.",
        "ru": "Аккаунт отвязан: сюда больше ничего не придёт.",
    },
    "help": {
        "en": "Link this chat from WellWon's notification settings. Reply to a chat message to answer in WellWon.",
        "ru": "Привяжите этот чат в настройках уведомлений WellWon. "
        "Ответьте на сообщение чата, чтобы ответить в WellWon.",
    },
    "not_linked": {
        "en": "This chat is not linked to a WellWon account.",
        "ru": "Этот чат не привязан к аккаунту WellWon.",
    },
    "no_conversation": {
        "en": "Reply to a chat message from WellWon to answer in its conversation.",
        "ru": "Ответьте на сообщение чата из WellWon, чтобы написать в эту беседу.",
    },
    "refused": {
        "en": "Not posted: {reason}",
        "ru": "Не отправлено: {reason}",
    },
}


def answer_text(key: str, language: str, **values: str) -> str:
    texts = ANSWERS[key]
    return texts.get(language, texts["en"]).format(**values)


# The channel's sender ---------------------------------------------------------------------------------------------


def telegram_text(message: Letter) -> str:
    """A notification as one Telegram message: plain text (no parse mode, so nothing in it is markup)."""
    return message.message[:MAX_TEXT]


class TelegramSender:
    """Sends a delivery as a Telegram message to the person's linked chat; the receipt is `<chat>:<message id>`,
    by which a reply to it finds the conversation it came from."""

    channel = Channel.TELEGRAM

    def __init__(self, config: TelegramConfig):
        self.config = config
        self.bot: Bot | None = None

    async def address(self, conn: AsyncConnection[Any], user_id: str) -> str | None:
        async with conn.cursor() as cur:
            await cur.execute("SELECT chat_id FROM telegram_links WHERE user_id = %s", (user_id,))
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def send(self, address: str, message: Letter, message_id: str) -> str | None:
        if self.bot is None:
            self.bot = self.config.bot()
        sent = await self.bot.send_message(int(address), telegram_text(message))
        return f"{address}:{sent.message_id}"

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()


# How updates come in -------------------------------------------------------------------------------------------

POLL_TIMEOUT_SECONDS = 25


async def receive_updates(config: TelegramConfig, api_base_url: str, stopping: asyncio.Event) -> None:
    """The worker's part in receiving updates. Webhook mode: register the webhook (with the secret) and leave.
    Polling mode: fetch updates with getUpdates and hand each to the API's webhook route, in order, confirming
    one (the next offset) only once the route took it, so an update is never lost to a restart."""
    bot = config.bot()
    try:
        while not stopping.is_set():
            try:
                if config.mode == "webhook":
                    if config.webhook_url:
                        await bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret)
                    else:
                        log.error("TELEGRAM_MODE=webhook without TELEGRAM_WEBHOOK_URL: no updates will come")
                    return
                await bot.delete_webhook()
                await relay_updates(bot, config, api_base_url, stopping)
            except Exception as exc:  # the Bot API or the API unreachable: try again shortly
                log.warning("telegram updates not received", extra={"error": repr(exc)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 3)
    finally:
        await bot.session.close()


async def relay_updates(bot: Bot, config: TelegramConfig, api_base_url: str, stopping: asyncio.Event) -> None:
    offset = 0
    async with httpx.AsyncClient(base_url=api_base_url, timeout=60) as api:
        while not stopping.is_set():
            updates = await bot.get_updates(offset=offset, timeout=POLL_TIMEOUT_SECONDS)
            for update in updates:
                body = update.model_dump(mode="json", exclude_none=True, by_alias=True)
                handed = await api.post(WEBHOOK_PATH, json=body, headers={SECRET_HEADER: config.webhook_secret})
                handed.raise_for_status()
                offset = update.update_id + 1
