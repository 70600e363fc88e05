"""Chat in two browsers: a forwarder and its client in a conversation between their companies; the client accepts
the invitation, a message with HTML and a script shows as text on the other side (live), the reply comes back."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, BrowserContext, expect

from stack.processes import PlatformProcesses
from tests.browser.conftest import screenshot
from tests.browser.test_console import owner_with_company, sign_in
from tests.integration.observe import bearer

SCRIPT = "<script>window.__chatInjected = 1</script><b>bold?</b> Контейнер погружен"


async def test_two_companies_chat_and_a_script_is_shown_as_text(
    platform: PlatformProcesses, api: httpx.AsyncClient, browser: Browser, context: BrowserContext
) -> None:
    forwarder, client = (
        await owner_with_company(api, "chat-fwd", "Экспедитор"),
        await owner_with_company(api, "chat-client", "Клиент"),
    )
    opened = await api.post(
        "/api/chat/conversations", headers=bearer(forwarder["tokens"]),
        json={"kind": "partner", "title": "Контейнер в Шанхай", "partner_company_id": client["company_id"]},
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    conversation = opened.json()["id"]

    client_page = await context.new_page()
    await sign_in(client_page, platform.base_url, client["email"])
    await client_page.get_by_role("link", name="Чат").click()
    invitation = client_page.get_by_test_id("chat-conversations").get_by_role(
        "link", name="Контейнер в Шанхай · Экспедитор"
    )
    await invitation.click()
    await client_page.get_by_role("button", name="Принять").click()
    await expect(client_page.get_by_label("Сообщение")).to_be_visible()

    second = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    try:
        forwarder_page = await second.new_page()
        await sign_in(forwarder_page, platform.base_url, forwarder["email"])
        await forwarder_page.goto(f"{platform.base_url}/chat/{conversation}")
        await forwarder_page.get_by_label("Сообщение").fill(SCRIPT)
        await forwarder_page.get_by_role("button", name="Отправить").click()

        # Live on the client's page, as text: the markup is visible, no element was made of it, no script ran.
        received = client_page.get_by_test_id("chat-messages").locator(".chat-body")
        await expect(received).to_have_text([SCRIPT])
        assert await client_page.get_by_test_id("chat-messages").locator("b, script").count() == 0
        assert await client_page.evaluate("window.__chatInjected") is None
        await client_page.get_by_label("Сообщение").fill("Спасибо, ждём коносамент")
        await client_page.get_by_role("button", name="Отправить").click()
        await expect(forwarder_page.get_by_test_id("chat-messages").locator(".chat-body")).to_have_text(
            [SCRIPT, "Спасибо, ждём коносамент"]
        )
        await screenshot(forwarder_page, "chat-ru")
    finally:
        await second.close()
