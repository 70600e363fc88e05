"""The console's operations pages in a real browser: dead letters fixed and replayed, a tablet, the keyboard alone.

Every page visited here is also checked for inputs without an accessible name (a query over the DOM).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from stack.processes import PlatformProcesses
from streams.shipment.identifiers import shipment_id_for
from tests.browser.conftest import screenshot
from tests.browser.test_console import owner_with_company, sign_in
from tests.integration.logistics_steps import fixture, ready_to_book
from tests.integration.observe import PASSWORD, bearer
from tests.integration.test_customs import full_declaration, load_tariff

# Inputs, selects and text areas that nothing names: neither a <label>, aria-label(ledby) nor a title.
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.getAttribute('title'))
    .map(el => el.outerHTML.slice(0, 120))"""
# How far the page itself scrolls sideways (tables scroll inside their own box, which is fine).
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The focused element and whether its focus is drawn (an outline or a box shadow).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const drawn = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
    return {tag: el.tagName, text: (el.textContent || '').trim().slice(0, 80), label: (label || '').trim(),
            name: el.getAttribute('name') || '', drawn};
}"""


async def all_inputs_named(page: Page) -> None:
    assert await page.evaluate(UNLABELLED) == [], f"inputs without an accessible name on {page.url}"


async def until_dead_lettered(api: httpx.AsyncClient, headers: dict[str, str], message_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        answer = await api.get(f"/api/edi/messages/{message_id}", headers=headers)
        if answer.status_code == 200 and answer.json()["status"] == "dead_lettered":
            body: dict[str, Any] = answer.json()
            return body
        assert time.monotonic() < deadline, f"message {message_id} was not dead-lettered: {answer.text}"
        await asyncio.sleep(0.3)


async def test_a_dead_letter_is_fixed_in_the_console_and_replayed(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "edi-ops")
    headers = bearer(owner["tokens"])
    # The partner is set up with its booking sender only; its status messages come from another sender id.
    maersk = {"code": "MAEU", "name": "Maersk A/S", "sender_ids": ["4012345000009"], "timezone": "Europe/Berlin"}
    partner = await api.post("/api/edi/partners", headers=headers, json=maersk)
    assert partner.status_code == 201, partner.text
    partner_id = partner.json()["id"]
    key = (await api.post(f"/api/edi/partners/{partner_id}/api-keys", headers=headers, json={"label": "feed"})).json()
    carrier = {"X-Api-Key": key["api_key"]}
    booked = await api.post("/api/edi/inbound", headers=carrier, content=fixture("iftmin_d96a_sea_booking.edi"))
    shipment_id = shipment_id_for(owner["company_id"], "WW-SEA-24001")
    deadline = time.monotonic() + 60
    while (await api.get(f"/api/shipments/{shipment_id}", headers=headers)).status_code != 200:
        assert time.monotonic() < deadline, booked.text
        await asyncio.sleep(0.3)
    sent = await api.post("/api/edi/inbound", headers=carrier, content=fixture("iftsta_d96a_picked_up.edi"))
    assert sent.status_code == 202, sent.text
    dead = await until_dead_lettered(api, headers, sent.json()["message_id"])
    assert "not a sender of partner" in dead["reason"]
    # Only a dead letter is replayed, and only by the tenant that received it.
    stranger = await owner_with_company(api, "edi-stranger")
    replay = f"/api/edi/messages/{dead['message_id']}/replay"
    assert (await api.post(replay, headers=bearer(stranger["tokens"]))).status_code == 404

    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.get_by_role("link", name="EDI").click()
    messages = page.get_by_test_id("edi-messages")
    await expect(messages).to_contain_text("Отклонено")
    await expect(messages).to_contain_text("is not a sender of partner")  # the reason, next to the message
    await all_inputs_named(page)

    await page.get_by_test_id("edi-partners").get_by_role("link", name="MAEU").click()
    settings = page.get_by_role("form", name="Настройки партнёра")
    await settings.get_by_label("Идентификаторы отправителя (UNB)").fill("4012345000009, MAEU")
    await settings.get_by_label("Новый код статуса").fill("ZZ1")
    await settings.get_by_role("button", name="Добавить код").click()
    await settings.get_by_label("Значение ZZ1").select_option("arrived")
    await settings.get_by_role("button", name="Сохранить").click()
    await expect(settings.get_by_role("status")).to_have_text("Сохранено")
    saved = (await api.get(f"/api/edi/partners/{partner_id}", headers=headers)).json()
    assert saved["sender_ids"] == ["4012345000009", "MAEU"] and saved["status_codes"] == {"ZZ1": "arrived"}
    await all_inputs_named(page)

    partner_messages = page.get_by_test_id("edi-messages")
    await partner_messages.get_by_role("row").filter(has_text="Отклонено").get_by_role("button").click()
    await expect(partner_messages).to_contain_text("Применено", timeout=30_000)
    await expect(partner_messages).not_to_contain_text("Отклонено")
    await screenshot(page, "edi-replayed-ru")
    result = (await api.get(f"/api/edi/messages/{dead['message_id']}", headers=headers)).json()
    assert result["status"] == "applied" and result["attempts"] == 2
    assert (await api.post(replay, headers=headers)).status_code == 409  # applied now: nothing to replay

    await page.goto(f"{platform.base_url}/shipments/{shipment_id}")
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Принята у отправителя")
    await expect(page.get_by_test_id("timeline")).to_contain_text("Груз принят у отправителя — DEHAM")


async def test_a_tablet_shows_the_shipments_and_a_declaration_without_sideways_scrolling(
    platform: PlatformProcesses, api: httpx.AsyncClient, browser: Browser
) -> None:
    owner = await owner_with_company(api, "tablet")
    headers = bearer(owner["tokens"])
    await load_tariff(api, headers)
    for n in range(3):
        await ready_to_book(api, owner["tokens"], f"WW-TAB-{n:03d}")
    created = await api.post("/api/declarations", headers=headers, json=full_declaration())
    assert created.status_code == 201, created.text

    tablet = await browser.new_context(viewport={"width": 820, "height": 1180}, locale="ru-RU", has_touch=True)
    tablet.set_default_timeout(20_000)
    try:
        page = await tablet.new_page()
        await sign_in(page, platform.base_url, owner["email"])
        await expect(page.get_by_test_id("shipments")).to_contain_text("WW-TAB-002")
        assert await page.evaluate(OVERFLOW) <= 0
        for name in ("Перевозки", "Склады", "Декларации", "Журнал действий", "Компания"):
            await expect(page.get_by_role("navigation").get_by_role("link", name=name)).to_be_in_viewport()
        await all_inputs_named(page)
        await screenshot(page, "tablet-shipments-ru")

        await page.get_by_role("navigation").get_by_role("link", name="Декларации").tap()
        await page.get_by_role("link", name="VT-IMP-2025-031").tap()
        await expect(page.get_by_test_id("goods-items")).to_contain_text("7323930000")
        await expect(page.get_by_test_id("calculation")).to_be_visible()
        assert await page.evaluate(OVERFLOW) <= 0
        await page.get_by_role("button", name="Проверить").tap()  # usable by touch: an action answers
        await expect(page.get_by_text("Декларация заполнена верно")).to_be_visible()
        await expect(page.get_by_test_id("calculation")).to_be_visible()
        await all_inputs_named(page)
        await screenshot(page, "tablet-declaration-ru")
    finally:
        await tablet.close()


async def tab_to(page: Page, wanted: Any, presses: int = 80) -> dict[str, Any]:
    """Press Tab until `wanted(focused)` holds; every stop on the way must show where the focus is."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["drawn"], f"focus is not visible on {focused}"
        if wanted(focused):
            return dict(focused)
    raise AssertionError(f"Tab never reached the element after {presses} presses")


async def test_keyboard_only_sign_in_open_a_shipment_and_book_it(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "keyboard")
    await ready_to_book(api, owner["tokens"], "WW-KEY-001")
    page = await context.new_page()
    await page.goto(f"{platform.base_url}/")
    await all_inputs_named(page)
    await tab_to(page, lambda f: f["label"] == "Электронная почта")
    await page.keyboard.type(owner["email"])
    await tab_to(page, lambda f: f["label"] == "Пароль")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    await expect(page.get_by_test_id("shipments")).to_contain_text("WW-KEY-001")

    await tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "WW-KEY-001")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Черновик")
    await all_inputs_named(page)
    await tab_to(page, lambda f: f["label"] == "Перевозчик")
    await page.keyboard.type("Hapag-Lloyd")
    await tab_to(page, lambda f: f["label"] == "Номер букинга")
    await page.keyboard.type("HLCU-KEY-1")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Забронирована")
    await screenshot(page, "keyboard-booked-ru")
