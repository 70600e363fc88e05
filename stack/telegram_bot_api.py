"""A Telegram Bot API server of our own on loopback, for development and tests: `python -m stack.telegram_bot_api`.

It speaks the Bot API's HTTP protocol as aiogram uses it: `POST /bot<token>/<method>` with a JSON or form body
(aiogram sends multipart forms, complex values as JSON text), answering `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ...}`, for getMe, sendMessage, setWebhook, deleteWebhook,
getWebhookInfo and getUpdates (offset confirms, timeout long-polls; refused with 409 while a webhook is set,
as Telegram does). Any well-formed token is a bot of its own (state per token), so test sessions sharing one
server never see each other's updates.

A small test surface plays the people on the other side:
- `POST /_test/bot<token>/users/<user id>/send` `{"text", "reply_to_message_id"?, "first_name"?, "language_code"?}`:
  that person writes to the bot; the update goes to the webhook (with `X-Telegram-Bot-Api-Secret-Token`) or
  waits for getUpdates. A webhook that fails is retried every second, in order, as Telegram does.
- `GET /_test/bot<token>/sent`: what the bot sent, oldest first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web

log = logging.getLogger("wellwon.telegram_bot_api")

TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{20,100}$")
# Form fields that are numbers or JSON in the Bot API (everything else stays text, as a message's "123" must).
INTEGER_FIELDS = {"chat_id", "offset", "limit", "timeout", "reply_to_message_id", "max_connections", "message_id"}
JSON_FIELDS = {"reply_parameters", "reply_markup", "allowed_updates", "entities", "link_preview_options"}
TRUE_FIELDS = {"drop_pending_updates", "disable_notification", "protect_content"}
MAX_TEXT = 4096


class BotApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


@dataclass
class Bot:
    """One bot's state: who wrote to it, what it sent, the updates not yet confirmed, its webhook."""

    bot_id: int
    username: str
    webhook_url: str = ""
    webhook_secret: str = ""
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_update: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    next_message: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    webhook_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "WellWon", "username": self.username}


class BotApi:
    def __init__(self) -> None:
        self.bots: dict[str, Bot] = {}
        self.http: aiohttp.ClientSession | None = None

    def bot(self, token: str) -> Bot:
        match = TOKEN.match(token)
        if match is None:
            raise BotApiError(401, "Unauthorized")
        if token not in self.bots:
            bot_id = int(match.group(1))
            self.bots[token] = Bot(bot_id, f"wellwon_{bot_id}_bot")
        return self.bots[token]

    # The Bot API's methods -----------------------------------------------------------------------------------

    async def call(self, bot: Bot, method: str, args: dict[str, Any]) -> Any:
        handler = getattr(self, f"m_{method.lower()}", None)
        if handler is None:
            raise BotApiError(404, "Not Found: method not found")
        return await handler(bot, args)

    async def m_getme(self, bot: Bot, args: dict[str, Any]) -> Any:
        return {**bot.user, "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    async def m_sendmessage(self, bot: Bot, args: dict[str, Any]) -> Any:
        chat_id, text = args.get("chat_id"), str(args.get("text") or "")
        if not isinstance(chat_id, int) or chat_id not in bot.users:
            raise BotApiError(400, "Bad Request: chat not found")
        if bot.users[chat_id].get("blocked"):
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        if not text.strip():
            raise BotApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise BotApiError(400, "Bad Request: message is too long")
        reply_to = args.get("reply_to_message_id") or (args.get("reply_parameters") or {}).get("message_id")
        message = {
            "message_id": next(bot.next_message),
            "from": bot.user,
            "chat": {"id": chat_id, "type": "private", "first_name": bot.users[chat_id]["first_name"]},
            "date": int(time.time()),
            "text": text,
        }
        bot.sent.append({**message, "reply_to_message_id": reply_to})
        return message

    async def m_setwebhook(self, bot: Bot, args: dict[str, Any]) -> Any:
        url = str(args.get("url") or "")
        if url and not url.startswith(("http://127.0.0.1", "http://localhost", "https://")):
            raise BotApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided for webhook")
        bot.webhook_url, bot.webhook_secret = url, str(args.get("secret_token") or "")
        if args.get("drop_pending_updates"):
            bot.updates.clear()
        if url:
            asyncio.get_running_loop().create_task(self.push(bot))
        return True

    async def m_deletewebhook(self, bot: Bot, args: dict[str, Any]) -> Any:
        return await self.m_setwebhook(bot, {"drop_pending_updates": args.get("drop_pending_updates")})

    async def m_getwebhookinfo(self, bot: Bot, args: dict[str, Any]) -> Any:
        return {"url": bot.webhook_url, "has_custom_certificate": False, "pending_update_count": len(bot.updates)}

    async def m_getupdates(self, bot: Bot, args: dict[str, Any]) -> Any:
        if bot.webhook_url:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook")
        offset, limit = int(args.get("offset") or 0), min(100, max(1, int(args.get("limit") or 100)))
        timeout = min(50.0, max(0.0, float(args.get("timeout") or 0)))
        if offset:  # confirms every update before it
            bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]
        async with bot.arrived:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.arrived.wait_for(lambda: bool(bot.updates)), timeout)
        return bot.updates[:limit]

    # The people writing to the bot -----------------------------------------------------------------------------

    async def user_sends(self, bot: Bot, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        person = bot.users.setdefault(user_id, {"first_name": str(body.get("first_name") or f"User {user_id}")})
        text = str(body.get("text") or "")
        message: dict[str, Any] = {
            "message_id": next(bot.next_message),
            "from": {"id": user_id, "is_bot": False, "first_name": person["first_name"],
                     "language_code": str(body.get("language_code") or "en")},
            "chat": {"id": user_id, "type": "private", "first_name": person["first_name"]},
            "date": int(time.time()),
            "text": text,
        }  # fmt: skip
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to := body.get("reply_to_message_id"):
            original = next((m for m in bot.sent if m["message_id"] == reply_to and m["chat"]["id"] == user_id), None)
            if original is None:
                raise BotApiError(400, "Bad Request: message to be replied not found")
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message_id"}
        update = {"update_id": next(bot.next_update), "message": message}
        async with bot.arrived:
            bot.updates.append(update)
            bot.arrived.notify_all()
        status = await self.push(bot) if bot.webhook_url else None
        return {"update": update, "webhook_status": status}

    async def push(self, bot: Bot) -> int | None:
        """Deliver the waiting updates to the webhook in order; the status of the last try (None: nothing sent)."""
        status: int | None = None
        async with bot.webhook_lock:
            while bot.updates and bot.webhook_url:
                update = bot.updates[0]
                try:
                    assert self.http is not None
                    headers = {"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret} if bot.webhook_secret else {}
                    async with self.http.post(bot.webhook_url, json=update, headers=headers) as answer:
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("webhook unreachable: %r", exc)
                    status = 599
                if status >= 300:
                    asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(self.push(bot)))
                    return status
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
        return status


async def arguments(request: web.Request) -> dict[str, Any]:
    """The method's arguments from the query, a JSON body, or a form (typed as the Bot API types them)."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        if body:
            loaded = orjson.loads(body)
            if not isinstance(loaded, dict):
                raise BotApiError(400, "Bad Request: the body must be a JSON object")
            return {**args, **loaded}
    elif request.can_read_body:
        args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for name in list(args):
        value = args[name]
        if not isinstance(value, str):
            continue
        try:
            if name in INTEGER_FIELDS:
                args[name] = int(value)
            elif name in JSON_FIELDS:
                args[name] = orjson.loads(value)
            elif name in TRUE_FIELDS:
                args[name] = value.lower() in ("true", "1")
        except (ValueError, orjson.JSONDecodeError) as exc:
            raise BotApiError(400, f"Bad Request: invalid {name}") from exc
    return args


def answer(result: Any = None, error: BotApiError | None = None) -> web.Response:
    if error is not None:
        body = {"ok": False, "error_code": error.code, "description": error.description}
        return web.Response(body=orjson.dumps(body), status=error.code, content_type="application/json")
    return web.Response(body=orjson.dumps({"ok": True, "result": result}), content_type="application/json")


def application() -> web.Application:
    api = BotApi()
    routes = web.RouteTableDef()

    @routes.route("*", r"/bot{token}/{method}")
    async def method(request: web.Request) -> web.Response:
        try:
            bot = api.bot(request.match_info["token"])
            return answer(await api.call(bot, request.match_info["method"], await arguments(request)))
        except BotApiError as exc:
            return answer(error=exc)

    @routes.post(r"/_test/bot{token}/users/{user_id:\d+}/send")
    async def user_sends(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            return answer(
                await api.user_sends(api.bot(request.match_info["token"]), int(request.match_info["user_id"]), body)
            )
        except BotApiError as exc:
            return answer(error=exc)

    @routes.get(r"/_test/bot{token}/sent")
    async def sent(request: web.Request) -> web.Response:
        try:
            return answer(api.bot(request.match_info["token"]).sent)
        except BotApiError as exc:
            return answer(error=exc)

    @routes.get("/health")
    async def health(request: web.Request) -> web.Response:
        return answer(True)

    async def session(app: web.Application) -> Any:
        api.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        yield
        await api.http.close()

    app = web.Application(client_max_size=1024 * 1024)
    app.add_routes(routes)
    app.cleanup_ctx.append(session)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    web.run_app(application(), host="127.0.0.1", port=options.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
