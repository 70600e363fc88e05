"""The analytics page in a real browser over the demo month: every dashboard's panels drawn with the company's
figures, and the dashboard's parameters (dates, mode, codes) chosen in the page, kept in its URL, refused with
the API's reason."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
from playwright.async_api import BrowserContext, Page, expect

from dashboards.definitions import DASHBOARDS
from stack.dagster import running_daemon
from stack.processes import PlatformProcesses
from tests.browser.conftest import screenshot
from tests.browser.test_console import sign_in
from tests.integration.test_demo import demo_owner
from wellwon.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


async def figures_arrived(base_url: str, headers: dict[str, str], timeout: float = 240) -> None:
    """Until every panel the demo feeds has rows: the facts reach ClickHouse after the API has answered. One
    dashboard at a time, each asked again only until it is complete (a loaded 2-core box answers slowly)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as api:
        for dashboard in DASHBOARDS.values():
            while True:
                answer = await api.get(f"/api/analytics/dashboards/{dashboard.id}", headers=headers)
                assert answer.status_code == 200, answer.text
                missing = [
                    p["id"]
                    for p in answer.json()["panels"]
                    if not p["rows"] or (p["chart"] == "number" and p["rows"][0][0] is None)
                ]
                if not missing:
                    break
                assert time.monotonic() < deadline, f"{dashboard.id}: panels without the demo's figures: {missing}"
                await asyncio.sleep(3)


async def panels_drawn(page: Page, dashboard_id: str) -> None:
    """Each panel of the dashboard shows its figures: a chart drawn, a table with rows, a number."""
    for panel in DASHBOARDS[dashboard_id].panels:
        shown = page.get_by_test_id(f"panel-{panel.id}")
        await expect(shown).to_have_attribute("data-empty", "false")
        if panel.chart in ("line", "bar"):
            await expect(shown.locator("canvas")).to_be_visible()
        elif panel.chart == "table":
            await expect(shown.locator("tbody tr").first).to_be_visible()
        else:
            await expect(shown.locator(".big-number")).to_have_text(re.compile(r"\d"))


async def test_every_dashboard_draws_the_demo_and_its_parameters_change_the_view_and_the_url(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext, tmp_path: Path
) -> None:
    # With a Dagster daemon of the platform's namespace, as `make run` has: it recognises the demo's invoice, which
    # the demo then verifies, so the documents panels have their figures too.
    with running_daemon(tmp_path / "dagster", platform.settings):
        await load_demo_data(platform.settings, recognition_wait=300)
    await figures_arrived(platform.base_url, await demo_owner(api))
    page = await context.new_page()
    await sign_in(page, platform.base_url, DEMO_USERS[0][0], DEMO_PASSWORD)
    await page.get_by_role("link", name="Аналитика").click()
    tabs = page.get_by_role("tablist", name="Аналитика")
    names = {"activity": "Активность", "logistics": "Логистика", "customs": "Таможня", "finance": "Деньги",
             "documents_edi": "Документы и EDI"}  # fmt: skip
    assert set(names) == set(DASHBOARDS)
    for dashboard_id, name in names.items():
        await tabs.get_by_role("tab", name=name).click()
        await expect(page).to_have_url(re.compile(rf"dashboard={dashboard_id}"))
        await panels_drawn(page, dashboard_id)

    # Logistics: a mode narrows the figures to it; the URL says so.
    await tabs.get_by_role("tab", name="Логистика").click()
    parameters = page.get_by_test_id("dashboard-parameters")
    lanes = page.get_by_test_id("panel-lead_time_by_lane")
    await expect(lanes).to_contain_text("Море")  # the mode's name in the reader's language, not its code
    await parameters.get_by_label("Вид транспорта").select_option("air")
    await expect(page).to_have_url(re.compile(r"dashboard=logistics.*mode=air"))
    await expect(lanes).to_contain_text("Авиа")
    await expect(lanes).not_to_contain_text("Море")

    # A period before the demo: every panel says there is nothing for it, and the link reproduces that view.
    await parameters.get_by_label("С", exact=True).fill("2019-01-01")
    await parameters.get_by_label("По", exact=True).fill("2019-12-31")
    await expect(page).to_have_url(re.compile(r"since=2019-01-01.*until=2019-12-31"))
    for panel in DASHBOARDS["logistics"].panels:
        await expect(page.get_by_test_id(f"panel-{panel.id}")).to_contain_text("Пока нет данных")
    await page.reload()
    await expect(parameters.get_by_label("С", exact=True)).to_have_value("2019-01-01")
    await expect(parameters.get_by_label("Вид транспорта")).to_have_value("air")
    await expect(page.get_by_test_id("panel-shipments_by_status")).to_contain_text("Пока нет данных")

    # Dates carried to the customs dashboard; a malformed procedure is caught in the page, a period that ends
    # before it starts is the API's refusal, in its words.
    await tabs.get_by_role("tab", name="Таможня").click()
    await expect(page).to_have_url(re.compile(r"dashboard=customs&since=2019-01-01&until=2019-12-31$"))
    procedure = parameters.get_by_label("Таможенная процедура")
    await procedure.fill("4")
    await expect(parameters).to_contain_text("Неверный формат")
    await expect(page).not_to_have_url(re.compile(r"procedure="))
    await procedure.fill("40")
    await expect(page).to_have_url(re.compile(r"procedure=40"))
    await parameters.get_by_label("С", exact=True).fill("2026-12-31")
    refused = page.get_by_test_id("parameters-refused")
    await expect(refused).to_contain_text("Параметры не приняты")
    await expect(refused).to_contain_text("is after until")
    await screenshot(page, "analytics-params-ru")
    await parameters.get_by_label("С", exact=True).fill("")  # back to the default period: the demo's figures
    await parameters.get_by_label("По", exact=True).fill("")
    await expect(refused).to_have_count(0)
    await expect(page.get_by_test_id("panel-declarations_by_status")).to_have_attribute("data-empty", "false")
