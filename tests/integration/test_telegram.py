"""Telegram against the real stack: our own Bot API server on loopback (stack/telegram_bot_api.py), the platform's
real aiogram client, the API's webhook and the real notification worker process.

The session's platform has a bot of its own on that server, in webhook mode towards its API (tests/conftest.py:
`telegram_env`); "people" write to the bot through the server's test surface, and what the bot sent is read
back from it. Shown: linking by code (a used, an expired or a superseded code refused; a code links only the
person who asked for it), a notification reaching Telegram through the worker, a chat message reaching a linked
member and their Telegram reply arriving in the conversation (read through the chat API), unlinking (API and
/stop) after which nothing more is sent, and forged or oversized webhook calls refused.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from typing import Any

import httpx
import pytest

from stack.processes import PlatformProcesses
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_member, company_owner, sql
from tests.integration.test_notifications import put_preferences, raise_exception, user_id_of
from wellwon.config import setting

ANN_CHAT, BORIS_CHAT, STRANGER_CHAT = 7_000_001, 7_000_002, 7_000_003
WEBHOOK = "/api/telegram/webhook"


def token(platform: PlatformProcesses) -> str:
    return platform.extra_env["TELEGRAM_BOT_TOKEN"]


async def writes(platform: PlatformProcesses, chat_id: int, text: str, **more: Any) -> dict[str, Any]:
    """A person writes to the bot from Telegram; the server posts the update to the platform's webhook."""
    url = f"{setting('TELEGRAM_API_URL')}/_test/bot{token(platform)}/users/{chat_id}/send"
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.post(url, json={"text": text, "first_name": f"Chat {chat_id}", **more})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["result"]
    assert result["webhook_status"] == 200, result  # the API took the update
    return result


async def sent_to(platform: PlatformProcesses, chat_id: int) -> list[dict[str, Any]]:
    """What the bot sent to a chat, oldest first."""
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.get(f"{setting('TELEGRAM_API_URL')}/_test/bot{token(platform)}/sent")
    assert answer.status_code == 200, answer.text
    return [m for m in answer.json()["result"] if m["chat"]["id"] == chat_id]


async def texts_to(platform: PlatformProcesses, chat_id: int) -> list[str]:
    return [m["text"] for m in await sent_to(platform, chat_id)]


async def link_code(api: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, Any]:
    answer = await api.post("/api/notifications/telegram/link", headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def state(api: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, Any]:
    answer = await api.get("/api/notifications/telegram", headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    return {}


async def test_link_by_code(platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]) -> None:
    ann, company_id = await company_owner(api, "ann")
    boris, boris_id = await company_member(api, ann, company_id, "operator", "boris")
    world.update(ann=ann, boris=boris, boris_id=boris_id, ann_id=await user_id_of(api, ann), company_id=company_id)
    assert await state(api, ann) == {"available": True, "linked": False, "username": None, "linked_at": None}
    refused = await put_preferences(api, boris, {"channels": {"shipment_exception": ["in_app", "telegram"]}})
    assert refused.status_code == 422 and "link your Telegram first" in refused.text, refused.text

    first = await link_code(api, ann)
    code = await link_code(api, ann)  # asking again makes the first code useless
    bot_username = f"wellwon_{token(platform).split(':')[0]}_bot"
    assert code["deep_link"] == f"https://t.me/{bot_username}?start={code['code']}"
    await writes(platform, ANN_CHAT, f"/start {first['code']}")
    assert not (await state(api, ann))["linked"]
    await writes(platform, ANN_CHAT, f"/start {code['code']}")
    linked = await state(api, ann)
    assert linked["linked"] and linked["username"] == f"Chat {ANN_CHAT}", linked
    [bad, good] = await texts_to(platform, ANN_CHAT)
    assert "unknown, used or expired" in bad and "is linked" in good

    # The used code links nobody else; another person's code linked only that person.
    await writes(platform, STRANGER_CHAT, f"/start {code['code']}")
    assert "unknown, used or expired" in (await texts_to(platform, STRANGER_CHAT))[-1]
    assert [r[0] for r in sql(platform, "SELECT user_id FROM telegram_links WHERE chat_id = %s", ANN_CHAT)] == [
        world["ann_id"]
    ]
    assert not (await state(api, boris))["linked"]

    # An expired code is refused; a fresh one links.
    expired = await link_code(api, boris)
    sql(platform, "UPDATE telegram_link_codes SET expires_at = now() - interval '1 second' WHERE user_id = %s "
        "RETURNING user_id", boris_id)  # fmt: skip
    await writes(platform, BORIS_CHAT, f"/start {expired['code']}")
    assert not (await state(api, boris))["linked"]
    await writes(platform, BORIS_CHAT, f"/start {(await link_code(api, boris))['code']}")
    assert (await state(api, boris))["linked"]
    chosen = await put_preferences(api, boris, {"channels": {"shipment_exception": ["in_app", "telegram"]}})
    assert chosen.status_code == 200 and "telegram" in chosen.json()["channels_available"], chosen.text


async def test_notification_delivered_to_telegram(
    platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    ann = world["ann"]
    chosen = await put_preferences(api, ann, {"channels": {"shipment_exception": ["in_app", "telegram"]}})
    assert chosen.status_code == 200, chosen.text
    reference = f"TG-{secrets.token_hex(3)}".upper()  # as the API keeps references
    await raise_exception(api, ann, reference, "Seal broken <b>at</b> Vostochny")

    async def arrived() -> list[str]:
        return [t for t in await texts_to(platform, ANN_CHAT) if "Seal broken" in t]

    [text] = await poll(arrived, timeout=60)  # through the notification worker process
    assert text.startswith(f"Shipment {reference}: exception") and "Seal broken <b>at</b> Vostochny" in text, text
    message_id = next(m["message_id"] for m in await sent_to(platform, ANN_CHAT) if "Seal broken" in m["text"])

    async def recorded() -> tuple[str, str | None] | None:
        # The worker records the delivery after the Bot API answered: the message can be seen a moment before.
        [(status, receipt)] = sql(
            platform, "SELECT status, receipt FROM notification_deliveries WHERE user_id = %s AND channel = 'telegram'",
            world["ann_id"],
        )  # fmt: skip
        return None if status == "pending" else (status, receipt)

    assert await poll(recorded, timeout=30) == ("sent", f"{ANN_CHAT}:{message_id}")


async def test_chat_message_to_telegram_and_reply_back(
    platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    ann = world["ann"]
    opened = await api.post("/api/chat/conversations", headers=bearer(ann), json={"kind": "channel", "title": "Ops"})
    assert opened.status_code == 201, opened.text
    conversation = opened.json()["id"]
    path = f"/api/chat/conversations/{conversation}"
    added = await api.post(f"{path}/members", headers=bearer(ann), json={"user_id": world["boris_id"]})
    assert added.status_code == 200, added.text
    posted = await api.post(f"{path}/messages", headers=bearer(ann), json={"body": "Is the container cleared?"})
    assert posted.status_code == 201, posted.text

    async def to_boris() -> list[dict[str, Any]]:
        return [m for m in await sent_to(platform, BORIS_CHAT) if "Is the container cleared?" in m["text"]]

    [question] = await poll(to_boris, timeout=60)
    assert question["text"].splitlines()[0] == "Ada Byron in Ops", question  # the author, the conversation

    # Boris answers it in Telegram: the reply is a chat message of his, in that conversation.
    wrote = await writes(platform, BORIS_CHAT, "Yes, released at 14:00", reply_to_message_id=question["message_id"])

    async def answered() -> list[dict[str, Any]]:
        items = (await api.get(f"{path}/messages", headers=bearer(ann))).json()["items"]
        return [m for m in items if m["body"] == "Yes, released at 14:00"]

    try:
        [reply] = await poll(answered, timeout=30)
    except AssertionError as exc:
        raise AssertionError(f"the bot told Boris: {await texts_to(platform, BORIS_CHAT)}") from exc
    assert reply["author_id"] == world["boris_id"] and reply["company_id"] == world["company_id"]

    # The Bot API redelivers an update it saw no 2xx for (our answer lost on the way): the same update again
    # is taken and posts nothing more, since its update_id keys the message's command.
    secret = {"X-Telegram-Bot-Api-Secret-Token": platform.extra_env["TELEGRAM_WEBHOOK_SECRET"]}
    again = await api.post(WEBHOOK, json=wrote["update"], headers=secret)
    assert again.status_code == 200, again.text
    # A later reply of his in the same conversation (one aggregate, in order): once it shows, a doubled one would.
    await writes(platform, BORIS_CHAT, "Papers follow", reply_to_message_id=question["message_id"])

    async def later() -> list[dict[str, Any]]:
        items = (await api.get(f"{path}/messages", headers=bearer(ann))).json()["items"]
        return [m for m in items if m["body"] == "Papers follow"]

    await poll(later, timeout=30)
    assert len(await answered()) == 1

    # ... and reaches Ann's Telegram (she is a linked member); her own question never did.
    async def to_ann() -> list[str]:
        return [t for t in await texts_to(platform, ANN_CHAT) if "Yes, released at 14:00" in t]

    await poll(to_ann, timeout=60)

    async def papers_to_ann() -> list[str]:  # settled before the next test unlinks her
        return [t for t in await texts_to(platform, ANN_CHAT) if "Papers follow" in t]

    await poll(papers_to_ann, timeout=60)
    assert not [t for t in await texts_to(platform, ANN_CHAT) if "Is the container cleared?" in t]
    world["conversation"] = path


async def test_unlink_then_nothing_more_is_sent(
    platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    ann, boris = world["ann"], world["boris"]
    unlinked = await api.delete("/api/notifications/telegram", headers=bearer(ann))
    assert unlinked.status_code == 204, unlinked.text
    assert not (await state(api, ann))["linked"]
    before = await texts_to(platform, ANN_CHAT)
    # Boris leaves by /stop in Telegram.
    await writes(platform, BORIS_CHAT, "/stop")
    assert not (await state(api, boris))["linked"]
    assert "Unlinked" in (await texts_to(platform, BORIS_CHAT))[-1]

    reference = f"TG-{secrets.token_hex(3)}".upper()  # as the API keeps references
    await raise_exception(api, ann, reference, "after unlinking")
    said = await api.post(f"{world['conversation']}/messages", headers=bearer(boris), json={"body": "after unlinking"})
    assert said.status_code == 201, said.text

    def failed() -> list[tuple[Any, ...]]:
        return sql(
            platform,
            """SELECT d.status, d.last_error FROM notification_deliveries d
               WHERE d.user_id = %s AND d.channel = 'telegram' AND d.body LIKE %s""",
            world["ann_id"], f"%{reference}%",
        )  # fmt: skip

    async def processed() -> list[tuple[Any, ...]]:
        return [row for row in failed() if row[0] == "failed"]

    # The worker did take the notification up (the positive control), and found nowhere to send it.
    assert await poll(processed, timeout=60) == [("failed", "the person has no address there")]
    assert await texts_to(platform, ANN_CHAT) == before
    # A Telegram reply from an unlinked chat posts nothing.
    await writes(platform, BORIS_CHAT, "still here?")
    assert "not linked" in (await texts_to(platform, BORIS_CHAT))[-1]
    items = (await api.get(f"{world['conversation']}/messages", headers=bearer(ann))).json()["items"]
    assert "still here?" not in [m["body"] for m in items]


async def test_forged_webhook_refused_and_declared(
    platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    code = await link_code(api, world["ann"])
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "text": f"/start {code['code']}",
                    "chat": {"id": STRANGER_CHAT, "type": "private"}, "from": {"id": STRANGER_CHAT, "is_bot": False}},
    }  # fmt: skip
    missing = await api.post(WEBHOOK, json=update)
    assert missing.status_code == 401, missing.text
    wrong = await api.post(WEBHOOK, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guessed"})
    assert wrong.status_code == 403, wrong.text
    secret = {"X-Telegram-Bot-Api-Secret-Token": platform.extra_env["TELEGRAM_WEBHOOK_SECRET"]}
    huge = await api.post(
        WEBHOOK, content=b"{" + b" " * 300_000 + b"}", headers={**secret, "Content-Type": "application/json"}
    )
    assert huge.status_code == 413, huge.text
    assert not (await state(api, world["ann"]))["linked"]  # the forged /start linked nothing
    # The genuine sender (the secret) is taken: the same code now links, which shows it was still unused.
    taken = await api.post(WEBHOOK, json=update, headers=secret)
    assert taken.status_code == 200 and (await state(api, world["ann"]))["linked"], taken.text

    document = (await api.get("/openapi.json")).json()
    operation = document["paths"][WEBHOOK]["post"]
    assert {"401", "403", "413"} <= set(operation["responses"]) and "security" not in operation
    assert "X-Telegram-Bot-Api-Secret-Token" in [p["name"] for p in operation["parameters"]]
    assert {"/api/notifications/telegram", "/api/notifications/telegram/link"} <= set(document["paths"])


async def test_a_worker_killed_mid_burst_sends_each_telegram_message_at_most_once_more(
    platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    """Ann is linked again (to the chat of the last test). 20 exceptions go out to her Telegram while the worker is
    killed with -9 after the first ones: every one arrives, and only the one in flight at the kill (handed to the
    Bot API, not yet recorded as sent) can arrive twice: Telegram has no idempotency key to dedupe it by."""
    ann = world["ann"]
    created = await api.post("/api/shipments", headers=bearer(ann), json={"reference": "TGBURST", "mode": "road"})
    assert created.status_code == 201, created.text
    shipment_id = created.json()["id"]

    async def raise_one(n: int) -> None:
        delay = {"kind": "delay", "reason": f"Burst {n:02d}", "exception_id": f"T{n:03d}"}
        answer = await api.post(f"/api/shipments/{shipment_id}/exceptions", headers=bearer(ann), json=delay)
        assert answer.status_code in (200, 202), answer.text

    def sent() -> int:
        query = """SELECT count(*) FROM notification_deliveries WHERE user_id = %s AND channel = 'telegram'
                   AND status = 'sent' AND body LIKE '%%Burst%%'"""
        return int(sql(platform, query, world["ann_id"])[0][0])

    burst = asyncio.gather(*(raise_one(n) for n in range(20)))
    deadline = asyncio.get_running_loop().time() + 60
    while (at_kill := sent()) < 2:
        assert asyncio.get_running_loop().time() < deadline, "no Telegram message went out"
        await asyncio.sleep(0.02)
    platform.kill("notifications")
    platform.start("notifications")
    await burst
    assert at_kill < 20, "the burst was over before the kill: nothing was tested"

    async def all_sent() -> int | None:
        return 20 if sent() == 20 else None

    await poll(all_sent, timeout=80)
    received = Counter(t.split("Burst ")[1][:2] for t in await texts_to(platform, STRANGER_CHAT) if "Burst " in t)
    assert set(received) == {f"{n:02d}" for n in range(20)}
    assert sum(received.values()) - 20 <= 1, received
