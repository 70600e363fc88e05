"""Our own Bot API server (stack/telegram_bot_api.py) as aiogram sees it: the production client against it.

getMe answers a bot (`is_bot`, which the npm telegram-test-api lacks), sendMessage reaches only a person who
wrote to the bot, getUpdates long-polls and confirms by offset, a webhook gets updates with the secret token
header, and a bad token or method answers the Bot API's error shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError, TelegramUnauthorizedError
from aiohttp import web

from notifications.telegram import TelegramConfig, receive_updates
from stack.telegram_bot_api import application

TOKEN = "123456789:" + "a" * 35


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def server() -> AsyncIterator[str]:
    runner = web.AppRunner(application())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def config(base: str, token: str = TOKEN) -> TelegramConfig:
    return TelegramConfig(token, base, "polling", "secret", "")


async def user_sends(base: str, user: int, text: str, **more: Any) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/_test/bot{TOKEN}/users/{user}/send", json={"text": text, **more})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["result"]
    return result


async def test_aiogram_talks_to_it(server: str) -> None:
    bot = config(server).bot()
    try:
        me = await bot.get_me()
        assert me.is_bot and me.username == "wellwon_123456789_bot"
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(42, "nobody wrote to me yet")
        waiting = asyncio.create_task(bot.get_updates(offset=0, timeout=5))
        await asyncio.sleep(0.2)  # the long poll is waiting now; the update must wake it, not its timeout
        await user_sends(server, 42, "/start code-1", first_name="Ann")
        [update] = await asyncio.wait_for(waiting, 3)
        assert update.message is not None and update.message.text == "/start code-1"
        assert update.message.chat.id == 42 and update.message.entities
        assert update.message.entities[0].type == "bot_command"
        sent = await bot.send_message(42, 'Linked: "123" <b>not bold</b>')
        assert sent.text == 'Linked: "123" <b>not bold</b>'  # a text of digits stays text through the form body
        reply = await user_sends(server, 42, "thanks", reply_to_message_id=sent.message_id)
        assert reply["update"]["message"]["reply_to_message"]["message_id"] == sent.message_id
        later = await bot.get_updates(offset=update.update_id + 1, timeout=0)
        assert [u.update_id for u in later] == [update.update_id + 1]  # the first one confirmed by the offset
        async with httpx.AsyncClient() as client:
            listed = (await client.get(f"{server}/_test/bot{TOKEN}/sent")).json()["result"]
        assert [m["text"] for m in listed] == ['Linked: "123" <b>not bold</b>']
    finally:
        await bot.session.close()


async def test_webhook_gets_updates_with_the_secret(server: str) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="{}")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    bot = config(server).bot()
    try:
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)
        sent = await user_sends(server, 7, "hello")
        assert sent["webhook_status"] == 200
        assert received == [("s3cret", sent["update"])]
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await bot.session.close()
        await runner.cleanup()


async def test_errors_in_the_bot_api_shape(server: str) -> None:
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{server}/botnot-a-token/getMe")
        assert unknown.status_code == 401
        assert unknown.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        missing = await client.post(f"{server}/bot{TOKEN}/sendSticker", json={"chat_id": 1})
        assert missing.status_code == 404 and missing.json()["ok"] is False
    other = config(server, "987654321:" + "b" * 35).bot()
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await config(server, "1:" + "short").bot().get_me()
        await user_sends(server, 5, "to the first bot only")
        assert await other.get_updates(timeout=0) == []  # each token is a bot of its own
    finally:
        await other.session.close()


async def test_polling_mode_relays_each_update_to_the_webhook_route_once(server: str) -> None:
    """The worker's polling: getUpdates, each update handed to the API's webhook route with the secret, confirmed
    (by the next offset) only once the route took it; a route that fails gets the same update again."""
    received: list[tuple[str | None, int]] = []
    failures = [1]  # the first hand-over fails

    async def route(request: web.Request) -> web.Response:
        update = await request.json()
        if failures:
            failures.pop()
            return web.Response(status=503)
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update["message"]["message_id"]))
        return web.Response(text='{"ok": true}', content_type="application/json")

    app = web.Application()
    app.router.add_post("/api/telegram/webhook", route)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stopping = asyncio.Event()
    relay = asyncio.create_task(receive_updates(config(server), f"http://127.0.0.1:{port}", stopping))
    try:
        first = await user_sends(server, 11, "/start one")
        second = await user_sends(server, 11, "two")
        expected = [("secret", sent["update"]["message"]["message_id"]) for sent in (first, second)]
        for _ in range(200):
            if received == expected:
                break
            await asyncio.sleep(0.05)
        assert received == expected  # in order, the failed one again, none twice
    finally:
        stopping.set()
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await runner.cleanup()
