"""The operations console in a real browser against the real stack: what an operator does, end to end."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import httpx
import redis
from lxml import etree
from playwright.async_api import BrowserContext, Page, expect

from stack.processes import PlatformProcesses
from streams.shipment.identifiers import shipment_id_for
from tests.browser.conftest import screenshot
from tests.integration.logistics_steps import fixture, ready_to_book
from tests.integration.observe import PASSWORD, RUSSIAN_COMPANY, bearer, login, register, unique_email
from tests.integration.test_customs import XSD, full_declaration, load_tariff

LIVE_WITHIN_MS = 5_000  # "within a second" is the aim; the bound leaves room for a loaded 2-core CI box


async def owner_with_company(api: httpx.AsyncClient, label: str, name: str | None = None) -> dict[str, Any]:
    """A registered user (known password) who created a company: email, tokens, company id."""
    email = unique_email(label)
    await register(api, email)
    tokens = await login(api, email)
    body = {**RUSSIAN_COMPANY, "name": name or f"{label} {uuid.uuid4().hex[:4]}"}
    created = await api.post("/api/companies", headers=bearer(tokens), json=body)
    assert created.status_code == 201, created.text
    company_id = created.json()["id"]
    switched = (await api.post(f"/api/companies/{company_id}/switch", headers=bearer(tokens))).json()
    return {"email": email, "tokens": switched, "company_id": company_id, "name": body["name"]}


async def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    await page.goto(f"{base_url}/")
    await page.get_by_label("Электронная почта").fill(email)
    await page.get_by_label("Пароль").fill(password)
    await page.get_by_role("button", name="Войти").click()
    await expect(page.get_by_role("button", name="Выйти")).to_be_visible()


async def test_sign_in_switch_company_and_language(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "switcher", "Альфа Импорт")
    second = await api.post(
        "/api/companies", headers=bearer(owner["tokens"]), json={**RUSSIAN_COMPANY, "name": "Бета Логистик"}
    )
    assert second.status_code == 201, second.text
    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await expect(page.get_by_role("heading", name="Перевозки")).to_be_visible()
    await screenshot(page, "shipments-empty-ru")

    await page.get_by_test_id("company-switch").select_option(label="Бета Логистик")
    await page.get_by_role("link", name="Компания").click()
    await expect(page.get_by_role("heading", name="Бета Логистик")).to_be_visible()

    await page.get_by_test_id("language").select_option("en")
    await expect(page.get_by_role("link", name="Shipments")).to_be_visible()
    await page.reload()  # the choice is remembered, and the session survives a reload (refresh cookie)
    await expect(page.get_by_role("link", name="Shipments")).to_be_visible()
    me = (await api.get("/api/auth/me", headers=bearer(await login(api, owner["email"])))).json()
    assert me["locale"] == "en"


async def test_tokens_are_out_of_scripts_reach_and_pages_are_guarded(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    owner = await owner_with_company(api, "guarded", f"ООО {hostile}")
    other = await owner_with_company(api, "stranger")
    theirs = await ready_to_book(api, other["tokens"], "THEIRS-001")
    shipper = {"name": hostile, "address": "a", "country": "CN"}
    ours = await api.post(
        "/api/shipments",
        headers=bearer(owner["tokens"]),
        json={"reference": "XSS-1", "mode": "sea", "shipper": shipper},
    )
    assert ours.status_code == 201, ours.text

    page = await context.new_page()
    answer = await page.goto(f"{platform.base_url}/")
    assert answer is not None
    policy = answer.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    await sign_in(page, platform.base_url, owner["email"])
    await page.goto(f"{platform.base_url}/shipments/{ours.json()['id']}")
    await expect(page.locator("main").get_by_text(hostile).first).to_be_visible()  # shown as text, not run
    await page.get_by_role("link", name="Компания").click()
    await expect(page.get_by_role("heading", name=f"ООО {hostile}")).to_be_visible()
    assert await page.evaluate("() => window.__pwned") is None
    stored = await page.evaluate("() => JSON.stringify([localStorage, sessionStorage, document.cookie])")
    assert "eyJ" not in stored  # no JWT anywhere a script can read
    cookies = await context.cookies()
    refresh = [c for c in cookies if c["name"] == "wellwon_refresh"]
    assert refresh and refresh[0]["httpOnly"] and refresh[0]["sameSite"] == "Strict"

    await page.goto(f"{platform.base_url}/shipments/{theirs}")
    await expect(page.get_by_role("alert")).to_contain_text("no such shipment")
    await expect(page.get_by_text("THEIRS-001")).to_have_count(0)


async def test_shipment_to_delivered_and_live_edi(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "operator")
    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.get_by_role("button", name="Новая перевозка").click()
    await page.get_by_label("Номер").fill("WW-UI-0001")
    await page.get_by_label("Место (Инкотермс)").fill("Hamburg")
    await page.get_by_role("button", name="Создать").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Черновик")

    parties = page.get_by_test_id("set-parties")
    shipper, consignee = parties.get_by_label("Отправитель", exact=True), parties.get_by_label("Получатель", exact=True)
    await shipper.fill("Hanse Maschinenbau GmbH")
    await consignee.fill("ООО «Веллвон Тест»")
    for place, (address, country) in enumerate((("Billstrasse 80, Hamburg", "DE"), ("ул. Вавилова, 19, Москва", "RU"))):
        await parties.get_by_label("Адрес").nth(place).fill(address)
        await parties.get_by_label("Страна").nth(place).fill(country)
    await parties.get_by_role("button").click()
    await expect(page.get_by_text("Hanse Maschinenbau GmbH, Billstrasse 80, Hamburg, DE")).to_be_visible()
    route = page.get_by_test_id("plan-route")
    await route.get_by_label("Откуда", exact=True).fill("Hamburg")
    await route.get_by_role("button").click()
    await expect(route.get_by_role("alert").first).to_contain_text("UN/LOCODE")  # the form's own rule, at the field
    await route.get_by_label("Откуда", exact=True).fill("DEHAM")
    await route.get_by_label("Куда", exact=True).fill("RULED")
    await route.get_by_role("button").click()
    await expect(page.get_by_text("DEHAM")).to_be_visible()
    cargo = page.get_by_test_id("add-cargo")
    await cargo.get_by_label("Описание").fill("Станки фрезерные")
    await cargo.get_by_label("Мест").fill("4")
    await cargo.get_by_label("Вес брутто").fill("4200")
    await cargo.get_by_role("button").click()
    await expect(page.get_by_text("Станки фрезерные")).to_be_visible()
    booking = page.get_by_test_id("book")
    await booking.get_by_label("Перевозчик").fill("Maersk A/S")
    await booking.get_by_label("Номер букинга").fill("MAEU-UI-1")
    await booking.get_by_role("button").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Забронирована")
    for milestone, status in (
        ("picked_up", "Принята у отправителя"),
        ("departed", "В пути"),
        ("delivered", "Доставлена"),
    ):
        form = page.get_by_test_id("record-milestone")
        await form.get_by_label("Событие").select_option(milestone)
        await form.get_by_role("button").click()
        await expect(page.get_by_test_id("shipment-status")).to_have_text(status)
    await screenshot(page, "shipment-delivered-ru")

    # A carrier's status message, sent to the API, shows on the open page without a reload.
    maersk = {
        "code": "MAEU",
        "name": "Maersk A/S",
        "sender_ids": ["MAEU", "4012345000009"],
        "timezone": "Europe/Berlin",
    }
    partner = await api.post("/api/edi/partners", headers=bearer(owner["tokens"]), json=maersk)
    assert partner.status_code == 201, partner.text
    key = (
        await api.post(
            f"/api/edi/partners/{partner.json()['id']}/api-keys", headers=bearer(owner["tokens"]), json={"label": "ui"}
        )
    ).json()["api_key"]
    # The carrier books it by IFTMIN (as its messages date it), then reports the pickup while the page is open.
    booked = await api.post(
        "/api/edi/inbound", headers={"X-Api-Key": key}, content=fixture("iftmin_d96a_sea_booking.edi")
    )
    assert booked.status_code == 202, booked.text
    shipment_id = shipment_id_for(owner["company_id"], "WW-SEA-24001")
    for _ in range(100):
        seen = await api.get(f"/api/shipments/{shipment_id}", headers=bearer(owner["tokens"]))
        if seen.status_code == 200 and seen.json()["status"] == "booked":
            break
        await asyncio.sleep(0.2)
    await page.goto(f"{platform.base_url}/shipments/{shipment_id}")
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Забронирована")
    await expect(page.locator("main[data-live=on]")).to_be_visible()
    sent = await api.post("/api/edi/inbound", headers={"X-Api-Key": key}, content=fixture("iftsta_d96a_picked_up.edi"))
    assert sent.status_code == 202, sent.text
    await expect(page.get_by_test_id("shipment-status")).to_have_text(
        "Принята у отправителя", timeout=LIVE_WITHIN_MS + 10_000
    )
    await expect(page.get_by_test_id("timeline")).to_contain_text("DEHAM")


async def test_declaration_from_suggestions_to_valid_xml(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext
) -> None:
    owner = await owner_with_company(api, "broker")
    await load_tariff(api, bearer(owner["tokens"]))
    draft = full_declaration()
    draft["items"] = []
    draft["header"] = {**draft["header"], "trading_country": None}
    created = await api.post("/api/declarations", headers=bearer(owner["tokens"]), json=draft)
    assert created.status_code == 201, created.text
    declaration_id = created.json()["id"]

    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.goto(f"{platform.base_url}/declarations/{declaration_id}")
    item = page.get_by_role("form", name="Товар")
    for description, code_prefix, origin, net, value in (
        ("Men's cotton T-shirts, knitted", "6109", "CN", "110.5", "1750.00"),
        ("Stainless steel cooking pots, set of 3", "7323", "CN", "420", "3300.00"),
    ):
        await item.get_by_label("Описание").fill(description)
        suggestion = page.get_by_test_id("suggestions").get_by_role("button", name=f"Выбрать {code_prefix}").first
        await suggestion.click()
        assert (await item.get_by_label("Код ТН ВЭД").input_value()).startswith(code_prefix)
        await item.get_by_label("Страна происхождения").fill(origin)
        await item.get_by_label("Количество").fill("100")
        await item.get_by_label("Вес брутто, кг").fill(f"{float(net) * 1.1:.3f}")
        await item.get_by_label("Вес нетто, кг").fill(net)
        await item.get_by_label("Фактурная стоимость").fill(value)
        await item.get_by_role("button", name="Добавить").click()
        await expect(page.get_by_test_id("goods-items")).to_contain_text(description)
        await expect(item.get_by_label("Описание")).to_have_value("")  # emptied once the add is answered
        await expect(page.get_by_test_id("suggestions")).to_have_count(0)  # and no codes for the item just added
    await expect(page.get_by_test_id("calculation")).to_contain_text("2010")  # duty, with its formula
    await screenshot(page, "declaration-ru")

    await page.get_by_role("button", name="Проверить").click()
    header = page.get_by_role("region", name="Общие сведения")
    trading = header.get_by_label("11 · Торгующая страна / Trading country")
    await expect(trading).to_have_attribute("aria-invalid", "true")  # the error sits at its field
    await trading.fill("CN")
    await header.get_by_role("button", name="Сохранить").click()
    await page.get_by_role("button", name="Проверить").click()
    await expect(page.get_by_text("Декларация заполнена верно")).to_be_visible()

    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Скачать XML").click()
    path = await (await downloading.value).path()
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log


async def test_invitations_roles_audit_and_dashboards(
    platform: PlatformProcesses, api: httpx.AsyncClient, context: BrowserContext, browser: Any
) -> None:
    owner = await owner_with_company(api, "inviter")
    shipment_id = await ready_to_book(api, owner["tokens"], "WW-ROLE-1")
    invitee = unique_email("invitee")
    await register(api, invitee)
    page = await context.new_page()
    await sign_in(page, platform.base_url, owner["email"])
    await page.get_by_role("link", name="Компания").click()
    form = page.get_by_role("form", name="Пригласить")
    await form.get_by_label("Электронная почта").fill(invitee)
    await form.get_by_label("Роль").select_option("viewer")
    await form.get_by_role("button", name="Пригласить").click()
    await expect(page.get_by_test_id("invitations")).to_contain_text(invitee)
    await expect(page.get_by_test_id("invitations")).to_contain_text("Наблюдатель · ожидает ответа")  # not "pending"
    await screenshot(page, "company-ru")

    outbox = redis.from_url(platform.settings.redis_url)
    letters = [json.loads(m) for m in outbox.lrange(platform.settings.name("mail:outbox"), 0, -1)]
    token = next(m["tokens"]["invitation"] for m in letters if m["to"] == invitee and "invitation" in m["tokens"])
    guest_context = await browser.new_context(locale="ru-RU")
    try:
        guest = await guest_context.new_page()
        await sign_in(guest, platform.base_url, invitee)
        await guest.goto(f"{platform.base_url}/invitations/accept?token={token}")
        await guest.get_by_role("button", name="Принять приглашение").click()
        await expect(guest.get_by_text("Наблюдатель").first).to_be_visible()
        await guest.goto(f"{platform.base_url}/shipments/{shipment_id}")
        await expect(guest.get_by_test_id("shipment-status")).to_have_text("Черновик")
        await expect(guest.get_by_test_id("book")).to_have_count(0)  # a viewer gets no actions
    finally:
        await guest_context.close()

    await page.get_by_role("link", name="Журнал действий").click()
    audit = page.get_by_test_id("audit")
    await expect(audit).to_contain_text("Добавлен участник")  # the event by its name in the reader's language
    await expect(audit.get_by_role("row").filter(has_text="Отправлено приглашение").first).to_contain_text("Ada Byron")
    await screenshot(page, "audit-ru")
    await page.get_by_role("link", name="Аналитика").click()
    dashboard = page.get_by_test_id("dashboard")
    await expect(dashboard.locator("canvas").first).to_be_visible()
    # Panels and columns in the reader's language, events by their names.
    await expect(dashboard).to_contain_text("События по видам")
    await expect(dashboard.get_by_role("columnheader", name="Изменений")).to_be_visible()
    await screenshot(page, "analytics-ru")
    await page.get_by_test_id("language").select_option("en")
    await expect(page.get_by_role("heading", name="Analytics")).to_be_visible()
    await expect(dashboard).to_contain_text("Events by type")
    # The money dashboard is a tab away.
    await page.get_by_role("tab", name="Money").click()
    await expect(page).to_have_url(re.compile(r"dashboard=finance"))
    await expect(dashboard).to_contain_text("Balances by account and currency")
    await screenshot(page, "analytics-en")
