"""Telegram over HTTP: a person links, inspects and unlinks their Telegram chat; the bot's webhook.

- `POST /api/notifications/telegram/link`: a one-time code and the bot's deep link (`t.me/<bot>?start=<code>`);
  the person opens it and the bot receives `/start <code>`, which links their chat (one use, 15 minutes).
- `GET` / `DELETE /api/notifications/telegram`: the link's state; unlinking (nothing more is sent there).
- `POST /api/telegram/webhook`: updates from the Bot API (no session: the `X-Telegram-Bot-Api-Secret-Token`
  set with setWebhook proves the sender). In polling mode the notification worker hands the updates it
  fetched to this same route, so every update takes one path: `/start <code>` links, `/stop` unlinks, and
  text replies go into the conversation of the chat message they answer (else the last one that wrote to
  the person), posted as a chat message on the person's behalf through the chat API's own route function,
  with their company and current role there.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from contextlib import nullcontext
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

import orjson
from aiogram import Bot
from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from pydantic import ValidationError

from api import idempotency
from api.deps import CurrentSession, PlatformDep, Session, tenant_db
from api.platform import Platform
from api.routers import chat
from notifications import telegram_links
from notifications.telegram import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    Link,
    Reply,
    TelegramConfig,
    Unlink,
    answer_text,
    deep_link,
    intent_of,
    telegram_config,
)
from sinks.postgres.queries import fetch_all, fetch_one

router = APIRouter(tags=["telegram"])
log = logging.getLogger("wellwon.telegram")

REPLY_LOOKUPS, REPLY_LOOKUP_PAUSE_SECONDS = 10, 0.2  # a reply to a message whose delivery is not yet recorded
MAX_UPDATE_BYTES = 256 * 1024  # a message's text is at most 4096 characters; an update with it is far less
NOT_CONFIGURED = HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Telegram is not configured on this platform")


@cache
def bot_of(config: TelegramConfig) -> Bot:
    return config.bot()


USERNAMES: dict[str, str] = {}  # token -> the bot's username


async def bot_username(config: TelegramConfig) -> str:
    """The bot's username (getMe, once per process)."""
    if config.token not in USERNAMES:
        me = await bot_of(config).get_me()
        USERNAMES[config.token] = me.username or ""
    return USERNAMES[config.token]


def enabled_config() -> TelegramConfig:
    config = telegram_config()
    if not config.enabled:
        raise NOT_CONFIGURED
    return config


@router.get("/api/notifications/telegram")
async def telegram_state(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """Whether Telegram is available here, and whether (since when, as whom) the caller's chat is linked."""
    async with tenant_db(found, session) as conn:
        link = await telegram_links.link_of(conn, session.account_id)
    return {
        "available": telegram_config().enabled,
        "linked": link is not None,
        "username": link["username"] if link else None,
        "linked_at": link["linked_at"] if link else None,
    }


@router.post("/api/notifications/telegram/link")
async def telegram_link_code(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """A one-time code linking the caller's Telegram chat (the bot's `/start <code>`), valid 15 minutes; asking
    again makes the earlier code useless."""
    config = enabled_config()
    username = await bot_username(config)
    async with tenant_db(found, session) as conn:
        code, expires_at = await telegram_links.ask_code(conn, session.account_id, datetime.now(UTC))
    return {"code": code, "deep_link": deep_link(username, code), "bot_username": username,
            "expires_at": expires_at.isoformat()}  # fmt: skip


@router.delete("/api/notifications/telegram", status_code=status.HTTP_204_NO_CONTENT)
async def telegram_unlink(session: CurrentSession, found: PlatformDep) -> Response:
    """Unlink the caller's Telegram chat (nothing more is sent there); unlinking twice is no error."""
    async with tenant_db(found, session) as conn:
        await telegram_links.unlink(conn, user_id=session.account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


UPDATE_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "description": "a Telegram Update"}}},
}


@router.post(
    WEBHOOK_PATH,
    openapi_extra={"requestBody": UPDATE_BODY},
    responses={
        401: {"description": "The secret token header is missing"},
        403: {"description": "The secret token header is wrong"},
        404: {"description": "Telegram is not configured on this platform"},
    },
)
async def telegram_webhook(
    request: Request,
    found: PlatformDep,
    secret: Annotated[str | None, Header(alias=SECRET_HEADER, max_length=256)] = None,
) -> dict[str, bool]:
    """Updates from the Telegram Bot API (webhook mode; in polling mode the worker relays them here). Proven by
    the secret token given to setWebhook; at most 256 KiB."""
    config = telegram_config()
    if not config.enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Telegram is not configured on this platform")
    if not secret:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"{SECRET_HEADER} is missing")
    if not hmac.compare_digest(secret.encode(), config.webhook_secret.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{SECRET_HEADER} is wrong")
    body = await limited_body(request, MAX_UPDATE_BYTES)
    try:
        update = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not JSON") from exc
    if not isinstance(update, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not a Telegram Update")
    await handle_update(found, config, update)
    return {"ok": True}


async def limited_body(request: Request, limit: int) -> bytes:
    too_large = HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"an update is at most {limit} bytes")
    if int(request.headers.get("content-length") or 0) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


async def handle_update(found: Platform, config: TelegramConfig, update: dict[str, Any]) -> None:
    """What the update asks, done; the person told the outcome in their language (or their Telegram's)."""
    intent = intent_of(update)
    if intent is None:
        return
    sender = (update.get("message") or {}).get("from") or {}
    language = str(sender.get("language_code") or "en")[:2]
    if isinstance(intent, Reply):
        # The Bot API redelivers an update it got no 2xx for: its id keys the message's command, so a
        # redelivered reply is answered from the recorded outcome instead of posted twice.
        update_id = update.get("update_id")
        scope = f"telegram:{config.token.partition(':')[0]}"
        keyed = idempotency.keyed(scope, f"update:{update_id}") if isinstance(update_id, int) else nullcontext()
        with keyed:
            language, key = await reply(found, intent, language)
    else:
        async with found.pool.connection() as conn, conn.transaction():
            if isinstance(intent, Link):
                linked = await telegram_links.redeem(conn, intent.code, intent.chat_id, intent.username)
                key = "linked" if linked else "bad_code"
            elif isinstance(intent, Unlink):
                await telegram_links.unlink(conn, chat_id=intent.chat_id)
                key = "unlinked"
            else:
                key = "help"
    if key:
        await say(config, intent.chat_id, answer_text(key.partition(":")[0], language, reason=key.partition(":")[2]))


async def reply(found: Platform, intent: Reply, language: str) -> tuple[str, str]:
    """Post a reply into its conversation as the linked person: (their language, what to tell them, or "")."""
    async with found.pool.connection() as conn:
        person = await telegram_links.user_of_chat(conn, intent.chat_id)
    if person is None:
        return language, "not_linked"
    user_id, language = str(person["user_id"]), str(person["locale"])[:2]
    conversation_id = None
    # The notifications worker records a delivery just after the Bot API accepted it: a reply that comes sooner
    # (seen in CI) finds it within moments. No pooled connection is held during the pauses.
    for attempt in range(REPLY_LOOKUPS):
        async with found.pool.connection() as conn:
            conversation_id = await telegram_links.conversation_of_reply(
                conn, user_id, intent.chat_id, intent.reply_to_message_id
            )
        if conversation_id is not None or intent.reply_to_message_id is None or attempt == REPLY_LOOKUPS - 1:
            break
        await asyncio.sleep(REPLY_LOOKUP_PAUSE_SECONDS)
    if conversation_id is None:
        return language, "no_conversation"
    session = await member_session(found, conversation_id, user_id)
    if session is None:
        return language, "refused:you are no longer a member of that conversation"
    try:
        await chat.post_message(conversation_id, chat.MessageIn(body=intent.text), session, found)
    except HTTPException as exc:
        return language, f"refused:{exc.detail}"
    except ValidationError:
        return language, "refused:the message is too long"
    return language, ""


async def member_session(found: Platform, conversation_id: str, user_id: str) -> Session | None:
    """The person as a session of the company through which they are a member of the conversation, with their
    current role there: row-level security shows a conversation's members only to a company taking part."""
    async with found.pool.connection() as conn:
        companies = await fetch_all(conn, "SELECT company_id, role FROM companies_of_user(%s)", (user_id,))
    for company in companies:
        session = Session(user_id, "telegram", "", {}, str(company["company_id"]), str(company["role"]))
        async with tenant_db(found, session) as conn:
            member = await fetch_one(
                conn,
                "SELECT 1 AS member FROM chat_members WHERE conversation_id = %s AND user_id = %s AND company_id = %s",
                (conversation_id, user_id, session.tenant_id),
            )
        if member is not None:
            return session
    return None


async def say(config: TelegramConfig, chat_id: int, text: str) -> None:
    """Tell the person something; a failure is logged, never answered to the Bot API (it would resend)."""
    try:
        await bot_of(config).send_message(chat_id, text)
    except Exception as exc:
        log.warning("telegram answer not sent", extra={"chat_id": chat_id, "error": repr(exc)})
