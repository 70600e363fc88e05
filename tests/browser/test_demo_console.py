"""The demo month as a new user opens it, in Russian and English: what `make run` shows; the README's screenshots."""

from __future__ import annotations

import httpx
from playwright.async_api import BrowserContext, Page, expect

from stack.processes import PlatformProcesses
from tests.browser.conftest import screenshot
from tests.browser.test_console import sign_in
from wellwon.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data

ENGLISH = {
    "shipments": "Shipments",
    "declarations": "Declarations",
    "analytics": "Analytics",
    "edi": "EDI",
}
RUSSIAN = {
    "shipments": "Перевозки",
    "declarations": "Декларации",
    "analytics": "Аналитика",
    "edi": "EDI",
}


async def tour(page: Page, language: str) -> None:
    """Shipments list, a delivered sea shipment, a released declaration with its calculation, EDI, dashboards."""
    nav = RUSSIAN if language == "ru" else ENGLISH
    menu = page.get_by_role("navigation")
    await menu.get_by_role("link", name=nav["shipments"], exact=True).click()
    shipments = page.get_by_test_id("shipments")
    await expect(shipments).to_contain_text("WW-RAIL-2611-008")
    await expect(shipments.locator("tbody tr")).to_have_count(12)
    await screenshot(page, f"demo-shipments-{language}")

    await shipments.get_by_role("link", name="WW-SEA-2611-001").click()
    timeline = page.get_by_test_id("timeline")
    delivered = "Доставлен — RULED" if language == "ru" else "Delivered at RULED"
    await expect(timeline).to_contain_text(delivered)  # the backend's English entry, in the reader's language
    await screenshot(page, f"demo-shipment-{language}")

    await menu.get_by_role("link", name=nav["declarations"], exact=True).click()
    await page.get_by_role("link", name="ДТ-2611-001").click()
    await expect(page.get_by_test_id("goods-items")).to_contain_text("Шпиндели")
    await expect(page.get_by_test_id("calculation")).to_be_visible()
    await screenshot(page, f"demo-declaration-{language}")

    await menu.get_by_role("link", name=nav["edi"], exact=True).click()
    dead = "Отклонено" if language == "ru" else "Dead-lettered"
    await expect(page.get_by_test_id("edi-messages")).to_contain_text(dead)
    await screenshot(page, f"demo-edi-{language}")

    await menu.get_by_role("link", name=nav["analytics"], exact=True).click()
    await expect(page.get_by_test_id("dashboard").locator("canvas").first).to_be_visible()
    await screenshot(page, f"demo-dashboards-{language}")


async def test_the_demo_month_in_the_console_in_russian_and_english(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    await load_demo_data(platform.settings)
    page = await context.new_page()
    await sign_in(page, platform.base_url, DEMO_USERS[0][0], DEMO_PASSWORD)
    await tour(page, "ru")
    await page.get_by_test_id("language").select_option("en")
    await expect(page.get_by_role("navigation").get_by_role("link", name="Shipments")).to_be_visible()
    await tour(page, "en")
