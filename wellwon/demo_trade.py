"""The demo month's money and papers, through the API: ledger entries in roubles and euros, supplier invoices (one
overdue), payments to a supplier and a carrier, currency deals on the customs rate table, and a supplier's invoice
uploaded as a PDF, recognised and verified by an operator with one correction.

Idempotent as the rest of the demo: ledger transfers carry fixed ids, supplier invoices are the same invoice
when sent again, payments, deals and the document are looked up before they are created. Runs after the customs
part, whose exchange-rate table the currency deals are quoted on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
import uuid
from datetime import date, timedelta

import httpx

log = logging.getLogger("wellwon.demo")

# Rouble accounts carry what a Russian payment order needs (INN, KPP, BIK, correspondent account), all valid.
OUR_ROUBLES = {"name": 'ООО "Веллвон Демо"', "country": "RU", "account": "40702810200000012345",
               "bank_name": "ПАО Сбербанк", "inn": "7707083893", "kpp": "773601001", "bik": "044525225",
               "correspondent_account": "30101810400000000225"}  # fmt: skip
OUR_EUROS = {"name": "WellWon Demo LLC", "country": "RU", "account": "40702978138000012345",
             "bank_name": "Sberbank", "bank_bic": "SABRRUMM"}  # fmt: skip
SUPPLIER = {"name": "Shanghai Precision Parts Co., Ltd.", "country": "CN", "account": "4563518000001234567",
            "bank_name": "Bank of China Shanghai", "bank_bic": "BKCHCNBJ300"}  # fmt: skip
MACHINES = {"name": "Hamburger Maschinenbau GmbH", "country": "DE", "account": "DE89370400440532013000",
            "bank_name": "Commerzbank", "bank_bic": "COBADEFFXXX"}  # fmt: skip
CARRIER = {"name": 'ООО "СеверТрансЛогистик"', "country": "RU", "account": "40702810300000067890",
           "bank_name": "АО «Альфа-Банк»", "inn": "7728168971", "kpp": "770801001", "bik": "044525593",
           "correspondent_account": "30101810200000000593"}  # fmt: skip

# (id, debit, credit, amount, currency, what it is): the month's books as an accountant would post them.
TRANSFERS = (
    ("demo-capital", "51", "80", "12000000.00", "RUB", "Взнос в уставный капитал"),
    ("demo-export-sale", "62", "90", "48000.00", "EUR", "Реализация: станочная оснастка, Hamburger Maschinenbau"),
    ("demo-export-receipt", "52", "62", "30000.00", "EUR", "Поступление от покупателя, частичная оплата"),
    ("demo-parts-received", "41", "60", "23600.00", "EUR", "Поступление товаров: шпиндели и подшипники"),
    ("demo-parts-paid", "60", "52", "18000.00", "EUR", "Оплата поставщику по инвойсу SPP-2611-041"),
    ("demo-freight-paid", "44", "51", "450000.00", "RUB", "Оплата перевозки Шанхай — Санкт-Петербург"),
)
ACCOUNTS = (("51", "RUB"), ("52", "EUR"))

# (supplier's number, days ago issued, days until due (negative: overdue), currency, lines)
SUPPLIER_INVOICES = (
    (
        "SPP-2611-041",
        24,
        -4,
        "USD",
        (("Spindles for CNC milling machines", "40", "460.00"), ("Radial ball bearings", "1200", "4.50")),
        SUPPLIER,
    ),
    ("HM-2611-118", 6, 24, "EUR", (("Hydraulic pump", "10", "1250.00"),), MACHINES),
)

# (purpose, amount, currency, payer, beneficiary, note)
PAYMENTS = (
    ("Invoice HM-2611-118, hydraulic pumps, prepayment 50%", "6250.00", "EUR", OUR_EUROS, MACHINES, ""),
    ("Оплата по счету 57 за перевозку контейнера MSCU 4411236", "450000.00", "RUB", OUR_ROUBLES, CARRIER,
     "В т.ч. НДС 20% - 75000.00 руб."),
)  # fmt: skip

# (sell, buy, amount): roubles bought into the supplier's currencies before paying them.
DEALS = (("RUB", "CNY", "1500000.00"), ("RUB", "EUR", "900000.00"))

DOCUMENT_NAME = "demo-invoice-SPP-2611-041.pdf"
# What the operator fixes after recognition: the first line's wording, as the goods are declared in Russian.
CORRECTED_DESCRIPTION = "Шпиндели для фрезерных станков с ЧПУ"


async def _ledger(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for chart, currency in ACCOUNTS:
        opened = await client.post("/api/ledger/accounts", headers=headers, json={"chart": chart, "currency": currency})
        if opened.status_code >= 400 and opened.status_code != 409:  # 409: opened by an earlier run
            log.warning("demo ledger account %s %s: %s", chart, currency, opened.text)
    for transfer_id, debit, credit, amount, currency, description in TRANSFERS:
        entry = {"transfer_id": transfer_id, "debit": {"chart": debit}, "credit": {"chart": credit},
                 "amount": amount, "currency": currency, "description": description}  # fmt: skip
        posted = await client.post("/api/ledger/transfers", headers=headers, json={"transfers": [entry]})
        if posted.status_code >= 400 and posted.status_code != 409:
            log.warning("demo ledger transfer %s: %s", transfer_id, posted.text)


async def _invoices(client: httpx.AsyncClient, headers: dict[str, str], today: date) -> None:
    for number, issued_ago, due_in, currency, lines, supplier in SUPPLIER_INVOICES:
        body = {
            "supplier_invoice_number": number,
            "issued_on": (today - timedelta(days=issued_ago)).isoformat(),
            "content": {
                "counterparty": supplier, "currency": currency, "due_on": (today + timedelta(days=due_in)).isoformat(),
                "lines": [{"line_no": n, "description": d, "quantity": q, "unit": "796", "unit_price": p}
                          for n, (d, q, p) in enumerate(lines, start=1)],
            },
        }  # fmt: skip
        received = await client.post("/api/invoices/payables", headers=headers, json=body)
        if received.status_code >= 400:  # the same invoice again answers 200 with it
            log.warning("demo supplier invoice %s: %s", number, received.text)


async def _payments(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    listed = await client.get("/api/payments", headers=headers)
    rows = listed.json() if listed.status_code == 200 else []
    known = {row.get("purpose") for row in (rows.get("items", []) if isinstance(rows, dict) else rows)}
    for purpose, amount, currency, payer, beneficiary, vat_note in PAYMENTS:
        if purpose in known:
            continue
        body = {"amount": amount, "currency": currency, "payer": payer, "beneficiary": beneficiary,
                "purpose": purpose, **({"vat_note": vat_note} if vat_note else {})}  # fmt: skip
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wellwon-demo-payment:{purpose}"))
        requested = await client.post("/api/payments", headers={**headers, "Idempotency-Key": key}, json=body)
        if requested.status_code >= 400:
            log.warning("demo payment %r: %s", purpose, requested.text)


async def _deals(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    listed = await client.get("/api/fx/deals", headers=headers)
    rows = listed.json() if listed.status_code == 200 else []
    done = {(r["sell_currency"], r["buy_currency"]) for r in rows if r.get("status") in ("agreed", "settled")}
    for sell, buy, amount in DEALS:
        if (sell, buy) in done:
            continue
        body = {"sell_currency": sell, "buy_currency": buy, "sell_amount": amount, "valid_for_seconds": 600}
        key = str(uuid.uuid4())  # a fresh quote each run that has no agreed deal for the pair yet
        quoted = await client.post("/api/fx/quotes", headers={**headers, "Idempotency-Key": key}, json=body)
        if quoted.status_code >= 400:
            log.warning("demo currency quote %s/%s: %s", sell, buy, quoted.text)
            continue
        agreed = await client.post(f"/api/fx/deals/{quoted.json()['id']}/agree", headers=headers)
        if agreed.status_code >= 400:
            log.warning("demo currency deal %s/%s: %s", sell, buy, agreed.text)


async def _document(client: httpx.AsyncClient, headers: dict[str, str], recognition_wait: float) -> None:
    """The supplier's invoice as a PDF; once recognition has read it (Dagster's sensor picks it up), the operator
    corrects the first line's description and confirms the total. Waits at most `recognition_wait` seconds."""
    from recognition.samples import sample  # the labelled sample generator: a text-layer PDF of known values

    listed = await client.get("/api/documents", headers=headers, params={"limit": 200})
    rows = listed.json() if listed.status_code == 200 else []
    rows = rows.get("items", []) if isinstance(rows, dict) else rows
    found = [r for r in rows if r.get("filename") == DOCUMENT_NAME]
    if found:
        document_id = str(found[0]["id"])
    else:
        invoice = sample(26, "commercial_invoice", "ru", "text")
        upload_headers = {**headers, "Content-Type": invoice.content_type,
                          "X-Filename": urllib.parse.quote(DOCUMENT_NAME)}  # fmt: skip
        uploaded = await client.post(
            "/api/documents", headers=upload_headers, params={"document_type": "commercial_invoice"},
            content=invoice.data,
        )  # fmt: skip
        if uploaded.status_code not in (201, 202):
            log.warning("demo document: %s", uploaded.text)
            return
        body = uploaded.json()
        document_id = str(body.get("id") or body.get("aggregate_id"))
    deadline = time.monotonic() + recognition_wait
    while True:
        read = await client.get(f"/api/documents/{document_id}", headers=headers)
        document = read.json() if read.status_code == 200 else {}
        if document.get("recognition_status") not in (None, "pending") or time.monotonic() >= deadline:
            break
        await asyncio.sleep(2)
    if document.get("recognition_status") != "recognised":
        print("demo document: uploaded; recognition has not read it yet (verify it in the console later)")
        return
    fields = {f["name"]: f for f in document.get("fields", [])}
    if any(f.get("check", "unverified") != "unverified" for f in fields.values()):
        return  # verified by an earlier run
    checks = [("items[0].description", CORRECTED_DESCRIPTION), ("total", None), ("number", None)]
    for name, value in checks:
        if name in fields:
            answer = {"name": name, "value": value if value is not None else fields[name]["value"]}
            verified = await client.post(f"/api/documents/{document_id}/fields/verify", headers=headers, json=answer)
            if verified.status_code >= 400:
                log.warning("demo document field %s: %s", name, verified.text)
    print("demo document: recognised, one field corrected and two confirmed by the operator")


async def load_demo_trade(
    client: httpx.AsyncClient, headers: dict[str, str], today: date, recognition_wait: float = 0
) -> None:
    await _ledger(client, headers)
    await _invoices(client, headers, today)
    await _payments(client, headers)
    await _deals(client, headers)
    print("demo month: ledger entries, supplier invoices, payments and currency deals")
    await _document(client, headers, recognition_wait)
