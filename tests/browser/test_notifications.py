"""The notification bell and inbox in a real browser: the unread count, the list (a partner's markup shown as
text, never run), marking one and then all read; the preferences page saves channels per kind."""

from __future__ import annotations

import asyncio
import time

import httpx
from playwright.async_api import BrowserContext, expect

from stack.processes import PlatformProcesses
from tests.browser.conftest import screenshot
from tests.browser.test_console import owner_with_company, sign_in
from tests.integration.observe import bearer
from tests.integration.test_telegram import writes

MARKUP = '<img src=x onerror="document.body.dataset.pwned=1">'


async def test_the_bell_counts_the_inbox_lists_and_marks_read(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "bell")
    headers = bearer(owner["tokens"])
    created = await api.post("/api/shipments", headers=headers, json={"reference": "BELL-1", "mode": "air"})
    assert created.status_code == 201, created.text
    shipment_id = created.json()["id"]
    for n, reason in enumerate(("Delayed at the hub", f"Damaged {MARKUP}")):
        body = {"kind": "delay" if n == 0 else "damage", "reason": reason}
        raised = await api.post(f"/api/shipments/{shipment_id}/exceptions", headers=headers, json=body)
        assert raised.status_code == 200, raised.text
    deadline = time.monotonic() + 60
    while (await api.get("/api/notifications", headers=headers)).json()["unread"] < 2:
        assert time.monotonic() < deadline, "the notifications did not arrive"
        await asyncio.sleep(0.3)

    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await expect(page.get_by_test_id("notification-count")).to_have_text("2")
    await page.get_by_test_id("notification-bell").click()
    items = page.get_by_test_id("notification")
    await expect(items).to_have_count(2)
    await expect(items.first).to_contain_text(MARKUP)  # the partner's markup is text
    assert await page.locator("[data-testid=inbox] img").count() == 0
    assert await page.evaluate("() => document.body.dataset.pwned") is None
    await screenshot(page, "notifications-ru")

    await items.filter(has_text="Delayed at the hub").get_by_role("button", name="Прочитано").click()
    await expect(page.get_by_test_id("notification-count")).to_have_text("1")
    await page.get_by_role("button", name="Отметить все прочитанными").click()
    await expect(page.get_by_test_id("notification-count")).to_have_count(0)
    assert (await api.get("/api/notifications", headers=headers)).json()["unread"] == 0

    await page.get_by_role("link", name="Настройки уведомлений").click()
    email = page.get_by_label("Исключение по перевозке: Почта")
    await expect(email).to_be_checked()
    await email.uncheck()
    await page.get_by_role("button", name="Сохранить").click()
    deadline = time.monotonic() + 30
    while (await api.get("/api/notifications/preferences", headers=headers)).json()["channels"][
        "shipment_exception"
    ] != ["in_app"]:
        assert time.monotonic() < deadline, "the preferences were not saved"
        await asyncio.sleep(0.3)


async def test_telegram_is_linked_and_unlinked_from_the_preferences_page(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    """The console asks for a code, the person sends `/start <code>` to the bot (our Bot API server on loopback),
    the page shows the chat linked, and unlinks it."""
    owner = await owner_with_company(api, "tglink")
    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.get_by_test_id("notification-bell").click()
    await page.get_by_role("link", name="Настройки уведомлений").click()
    section = page.get_by_test_id("telegram-link")
    await expect(section).to_contain_text("Не привязан")
    await section.get_by_role("button", name="Привязать Telegram").click()
    command = section.locator("code")
    await expect(command).to_contain_text("/start ")
    code = (await command.inner_text()).removeprefix("/start ").strip()
    assert code and (await section.get_by_role("link").get_attribute("href") or "").endswith(f"?start={code}")

    await writes(platform, 7_100_001, f"/start {code}")
    await page.get_by_role("button", name="Обновить").click()
    await expect(section).to_contain_text("Привязан")
    await expect(section).not_to_contain_text("Не привязан")
    telegram_channel = page.get_by_label("Исключение по перевозке: Telegram")
    await expect(telegram_channel).to_be_enabled()  # the preferences learn of the link without a reload
    assert (await api.get("/api/notifications/telegram", headers=bearer(owner["tokens"]))).json()["linked"]
    await screenshot(page, "telegram-linked-ru")

    await section.get_by_role("button", name="Отвязать").click()
    await expect(section).to_contain_text("Не привязан")
    await expect(telegram_channel).to_be_disabled()
    assert not (await api.get("/api/notifications/telegram", headers=bearer(owner["tokens"]))).json()["linked"]
