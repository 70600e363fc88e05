"""Documents in a real browser: upload a scan with the file picker, see it listed, open it, see the recognised
fields drawn on the page, correct one, in Russian and English."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import BrowserContext, expect

from api.command_bus import Issued
from stack.processes import PlatformProcesses
from streams.document.commands import RecognisedField, RecordRecognition
from streams.document.domain import DOCUMENT
from streams.pipeline import pipeline_claims
from streams.registry import DOMAINS
from tests.browser.conftest import screenshot
from tests.browser.test_console import owner_with_company, sign_in
from tests.browser.test_operations import all_inputs_named
from tests.document_samples import INVOICE_LINES, invoice_png
from tests.integration.observe import bearer
from tests.integration.test_customs import full_declaration
from wellwon.cli import send_once


async def test_upload_a_scan_see_it_listed_open_it_and_correct_a_field(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "documents")
    scan = invoice_png()
    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.get_by_role("link", name="Документы").click()
    await expect(page.get_by_role("heading", level=1, name="Документы")).to_be_visible()
    await expect(page.get_by_role("heading", name="Загрузить документ")).to_have_count(1)  # the card's, once

    form = page.get_by_test_id("upload-document")
    await form.get_by_label("Тип документа").select_option("commercial_invoice")
    await form.get_by_label("Название").fill("Инвойс INV-2026-0042")
    await form.get_by_label("Файл").set_input_files(
        files=[{"name": "invoice-0042.png", "mimeType": "image/png", "buffer": scan}]
    )
    await form.get_by_role("button", name="Загрузить документ").click()
    listed = page.get_by_test_id("documents").get_by_role("link", name="Инвойс INV-2026-0042")
    await expect(listed).to_be_visible()
    await all_inputs_named(page)
    await screenshot(page, "documents-ru")

    # The recognition pipeline's answer, as its sensor sends it (role `pipeline`, the document's tenant).
    href = await listed.get_attribute("href")
    match = re.fullmatch(r"/documents/([\w-]+)", href or "")
    assert match, href
    document_id = match.group(1)
    fields = tuple(
        RecognisedField(name, value, 0.62 if name == "total" else 0.97, 1, *box, name == "total")
        for name, _, value, box in INVOICE_LINES
    )
    issued = Issued(None, owner["company_id"], tuple(pipeline_claims("document_recognition").items()))
    run = RecordRecognition(document_id, 1, "run-browser", "commercial_invoice", "en", fields)
    outcome = await send_once(platform.settings, DOMAINS, DOCUMENT, document_id, run, issued, wait_for_read_model=True)
    assert outcome["status"] == "accepted", outcome

    await listed.click()
    await expect(page.get_by_test_id("document-type")).to_have_text("Коммерческий инвойс")
    await expect(page.get_by_test_id("document-page").get_by_role("img")).to_be_visible()
    await expect(page.locator(".field-box")).to_have_count(len(INVOICE_LINES))
    await expect(page.locator(".field-box-doubt")).to_have_count(1)  # the total, flagged for verification
    # Each field named in words, a line's fields with the line's number.
    rows = page.get_by_test_id("document-field")
    await expect(rows.get_by_label("Количество (строка 1)")).to_have_value("500")
    total = rows.filter(has_text="Итого")
    await expect(total).to_contain_text("62")
    await total.get_by_label("Итого").fill("12750.00")
    await total.get_by_role("button", name="Исправить").click()
    await expect(total).to_contain_text("Исправлено")
    await expect(total).to_contain_text("(12749.98)")
    await all_inputs_named(page)
    await screenshot(page, "document-ru")

    # The invoice belongs to a draft declaration, whose goods items it will fill once verified.
    draft = {**full_declaration(), "items": []}
    created = await api.post("/api/declarations", headers=bearer(owner["tokens"]), json=draft)
    assert created.status_code == 201, created.text
    declaration_id = created.json()["id"]
    linked = await api.post(
        f"/api/documents/{document_id}/links",
        headers=bearer(owner["tokens"]),
        json={"linked_type": "declaration", "linked_id": declaration_id},
    )
    assert linked.status_code == 200, linked.text

    await page.get_by_test_id("complete-verification").click()
    await expect(page.get_by_text("Завершена")).to_be_visible()
    await page.get_by_test_id("language").select_option("en")
    await expect(page.get_by_test_id("document-type")).to_have_text("Commercial invoice")
    await expect(page.get_by_text("Completed")).to_be_visible()
    await expect(rows.filter(has_text="Total")).to_contain_text("12750.00")
    await screenshot(page, "document-en")
    use = page.get_by_test_id("invoice-use")
    await use.get_by_label("Country of origin").fill("cn")
    await use.get_by_role("button", name=re.compile("Fill the goods items of declaration")).click()
    # Two commands and the classifier's first look at a description: on a loaded machine, seconds.
    await expect(page).to_have_url(re.compile(f"/declarations/{declaration_id}$"), timeout=90_000)
    goods = page.get_by_test_id("goods-items")
    await expect(goods).to_contain_text("Men's cotton T-shirts, knitted")
    await expect(goods).to_contain_text("6109")  # the classifier's confident code for the description
    await page.go_back()
    # ...and starts a supplier invoice: what the document says is filled in, the bank details are not.
    await page.get_by_test_id("receive-as-payable").click()
    payable = page.get_by_test_id("new-payable")
    await expect(payable.get_by_label("Supplier’s number")).to_have_value("INV-2026-0042")
    await expect(payable.get_by_label("Description")).to_have_value("Men's cotton T-shirts, knitted")
    await expect(payable.get_by_label("Currency")).to_have_value("EUR")
    await page.go_back()
    await page.get_by_role("link", name="Documents").click()
    await expect(page.get_by_role("heading", level=1, name="Documents")).to_be_visible()
    await expect(page.get_by_test_id("documents").get_by_role("link", name="Инвойс INV-2026-0042")).to_be_visible()
    await screenshot(page, "documents-en")

    # An expired document shows on the customs Compliance page, linked to its view.
    expired = await api.put(
        f"/api/documents/{document_id}/expiry", headers=bearer(owner["tokens"]), json={"expires_on": "2026-01-31"}
    )
    assert expired.status_code in (200, 202), expired.text
    await page.get_by_role("link", name="Compliance").click()
    expiring = page.get_by_test_id("compliance-documents")
    await expect(expiring.get_by_role("link", name="Инвойс INV-2026-0042")).to_be_visible()
    await expect(expiring).to_contain_text("(expired)")
