"""The finance pages in a real browser: the ledger live, orders, invoices and payments, in Russian."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import BrowserContext, expect

from stack.processes import PlatformProcesses
from tests.browser.conftest import screenshot
from tests.browser.test_console import owner_with_company, sign_in
from tests.browser.test_operations import all_inputs_named
from tests.integration.observe import bearer
from tests.integration.trade_steps import terms


async def deposit(api: httpx.AsyncClient, headers: dict[str, str], transfer_id: str, roubles: str) -> None:
    entry = {"transfer_id": transfer_id, "debit": {"chart": "51"}, "credit": {"chart": "80"}, "amount": roubles,
             "currency": "RUB"}  # fmt: skip
    recorded = await api.post("/api/ledger/transfers", headers=headers, json={"transfers": [entry]})
    assert recorded.status_code == 201, recorded.text


async def test_the_finance_pages_show_the_tenant_s_money_and_the_ledger_moves_live(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "treasury")
    headers = bearer(owner["tokens"])
    opened = await api.post("/api/ledger/accounts", headers=headers, json={"chart": "51", "currency": "RUB"})
    assert opened.status_code == 201, opened.text
    await deposit(api, headers, "capital-1", "1500.00")
    order = await api.post("/api/purchase-orders", headers=headers, json={"reference": "PO-BR-1", "terms": terms()})
    assert order.status_code == 201, order.text

    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.goto(f"{platform.base_url}/ledger")
    await expect(page.get_by_role("heading", name="Главная книга")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"1\s500,00")).first).to_be_visible()  # the rouble account, by locale
    await all_inputs_named(page)
    await deposit(api, headers, "capital-2", "2500.00")  # elsewhere: the open page follows without a reload
    await expect(page.get_by_text(re.compile(r"4\s000,00")).first).to_be_visible()
    await screenshot(page, "ledger-ru")

    await page.goto(f"{platform.base_url}/purchase-orders")
    await expect(page.get_by_role("heading", name="Заказы поставщикам")).to_be_visible()
    await expect(page.get_by_text("PO-BR-1")).to_be_visible()
    await all_inputs_named(page)
    for path, heading in (("/invoices", "Счета"), ("/payments", "Платежи")):
        await page.goto(f"{platform.base_url}{path}")
        await expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible()
        await all_inputs_named(page)
