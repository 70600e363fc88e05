"""Payments through the API on the real stack: idempotency, bad input, approval limits, the lifecycle with the
ledger saga's reservation, pain.001 and 1C exports, statements that settle payments and keep unmatched lines."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from stack.processes import PlatformProcesses
from streams.payment.commands import Party
from streams.payment.formats import onec, pain001
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_member, company_owner, sql
from tests.unit.payment.parties import GERMAN_SUPPLIER, OUR_EURO_ACCOUNT, OUR_ROUBLE_ACCOUNT, ROUBLE_SUPPLIER


def party(value: Party) -> dict[str, Any]:
    return asdict(value)


def euro_body(amount: str = "1250.50", **changes: Any) -> dict[str, Any]:
    return {
        "amount": amount, "currency": "EUR", "payer": party(OUR_EURO_ACCOUNT), "beneficiary": party(GERMAN_SUPPLIER),
        "purpose": "Invoice HM-2026-118, machine parts", "invoice_id": "inv-118", **changes,
    }  # fmt: skip


def rouble_body(amount: str = "98000.00") -> dict[str, Any]:
    return {
        "amount": amount, "currency": "RUB", "payer": party(OUR_ROUBLE_ACCOUNT), "beneficiary": party(ROUBLE_SUPPLIER),
        "purpose": "Оплата по счету 57 за перевозку", "vat_note": "В т.ч. НДС 20% - 16333.33 руб.",
    }  # fmt: skip


def keyed(tokens: dict[str, str], key: str) -> dict[str, str]:
    return {**bearer(tokens), "Idempotency-Key": key}


def payment_rows(platform: PlatformProcesses, tenant_id: str) -> list[tuple[Any, ...]]:
    return sql(platform, "SELECT id, status, amount FROM payments WHERE tenant_id = %s ORDER BY created_at", tenant_id)


async def requested(api: httpx.AsyncClient, owner: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = await api.post("/api/payments", headers=keyed(owner, str(uuid.uuid4())), json=body)
    assert answer.status_code == 201, answer.text
    payment: dict[str, Any] = answer.json()
    return payment


async def funded(api: httpx.AsyncClient, owner: dict[str, str], payer: dict[str, Any], currency: str) -> None:
    """The payer's bank account opened in the tenant's ledger with money on it (paid-in capital)."""
    chart = "51" if currency == "RUB" else "52"
    account = {"chart": chart, "currency": currency, "sub": payer["account"]}
    opened = await api.post("/api/ledger/accounts", headers=bearer(owner), json=account)
    assert opened.status_code in (201, 409), opened.text  # 409: opened already, with other details
    capital = {"transfer_id": f"capital-{uuid.uuid4().hex[:12]}", "debit": {"chart": chart, "sub": payer["account"]},
               "credit": {"chart": "80"}, "amount": "1000000.00", "currency": currency}  # fmt: skip
    recorded = await api.post("/api/ledger/transfers", headers=bearer(owner), json={"transfers": [capital]})
    assert recorded.status_code == 201, recorded.text


async def sent(
    platform: PlatformProcesses, api: httpx.AsyncClient, owner: dict[str, str], tenant_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """A payment taken to sent: requested, approved, reserved by the ledger's saga (from a funded account), sent."""
    await funded(api, owner, body["payer"], body["currency"])
    payment = await requested(api, owner, body)
    approved = await api.post(f"/api/payments/{payment['id']}/approve", headers=bearer(owner))
    assert approved.status_code == 200, approved.text

    async def reserved() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get(f"/api/payments/{payment['id']}", headers=bearer(owner))).json()
        return found if found["status"] == "reserved" else None

    assert (await poll(reserved, timeout=60))["reservation_id"] == f"payment:{payment['id']}:reserve"
    marked = await api.post(
        f"/api/payments/{payment['id']}/sent", headers=bearer(owner), json={"bank_reference": "BNK-REF-7"}
    )
    assert marked.status_code == 200 and marked.json()["status"] == "sent", marked.text
    result: dict[str, Any] = marked.json()
    return result


async def test_same_key_same_body_is_one_payment_and_another_body_is_refused_naming_it(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "payer")
    accountant, _ = await company_member(api, owner, company_id, "accountant", "bookkeeper")
    key = str(uuid.uuid4())
    first = await api.post("/api/payments", headers=keyed(owner, key), json=euro_body())
    assert first.status_code == 201, first.text
    again = await api.post("/api/payments", headers=keyed(owner, key), json=euro_body())
    assert (again.status_code, again.headers.get("idempotent-replayed")) == (201, "true")
    assert again.json() == first.json()
    changed = await api.post("/api/payments", headers=keyed(owner, key), json=euro_body("99.00"))
    assert changed.status_code == 409, changed.text
    assert "Idempotency-Key was already used for a different request" in changed.json()["detail"]
    # Another user of the tenant with the same key names the same payment: the same details answer it, other
    # details are refused by the decider, naming what differs (the middleware only knows its own caller's keys).
    same_from_colleague = await api.post("/api/payments", headers=keyed(accountant, key), json=euro_body())
    assert same_from_colleague.status_code == 201 and same_from_colleague.json()["id"] == first.json()["id"]
    admin, _ = await company_member(api, owner, company_id, "admin", "other")
    colleague = await api.post("/api/payments", headers=keyed(admin, key), json=euro_body("99.00"))
    assert colleague.status_code == 409, colleague.text
    assert colleague.json()["detail"]["field"] == "amount" and "another amount" in colleague.json()["detail"]["reason"]
    assert [(row[1], row[2]) for row in payment_rows(platform, company_id)] == [("requested", Decimal("1250.50"))]
    unkeyed = await api.post("/api/payments", headers=bearer(owner), json=euro_body())
    assert unkeyed.status_code == 422 and unkeyed.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_bad_amounts_and_currencies_are_refused_naming_the_field_and_nothing_is_created(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "careless")
    cases = [
        (euro_body(currency="XYZ"), "currency", "not an ISO 4217 currency code"),
        (euro_body("-10.00"), "amount", "greater than zero"),
        (euro_body("10.005"), "amount", "EUR has 2 decimals"),
        (euro_body("150.5", currency="JPY"), "amount", "JPY has 0 decimals"),
        (euro_body(beneficiary={**party(GERMAN_SUPPLIER), "account": "DE00370400440532013000"}),
         "beneficiary.account", "IBAN"),
    ]  # fmt: skip
    for body, field, reason in cases:
        answer = await api.post("/api/payments", headers=keyed(owner, str(uuid.uuid4())), json=body)
        assert answer.status_code == 422, answer.text
        problem = answer.json()["detail"][0]
        assert problem["loc"][-1] == field and reason in problem["msg"], problem
    good = await requested(api, owner, euro_body())  # positive control: the same tenant can create one
    assert [row[0] for row in payment_rows(platform, company_id)] == [good["id"]]


async def test_approval_above_the_accountant_s_limit_is_refused_and_changes_nothing(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "approver")
    accountant, _ = await company_member(api, owner, company_id, "accountant", "limited")
    large = await requested(api, owner, euro_body("20000.00"))
    refused = await api.post(f"/api/payments/{large['id']}/approve", headers=bearer(accountant))
    assert refused.status_code == 403, refused.text
    assert "above the accountant's approval limit of 11000 EUR" in refused.json()["detail"]["reason"]
    assert (await api.get(f"/api/payments/{large['id']}", headers=bearer(owner))).json()["status"] == "requested"
    small = await requested(api, owner, euro_body("900.00"))
    assert (await api.post(f"/api/payments/{small['id']}/approve", headers=bearer(accountant))).status_code == 200
    by_owner = await api.post(f"/api/payments/{large['id']}/approve", headers=bearer(owner))
    assert by_owner.status_code == 200 and by_owner.json()["status"] == "approved"
    early = {"bank_reference": "X"}
    sent_early = await api.post(f"/api/payments/{large['id']}/sent", headers=bearer(owner), json=early)
    assert sent_early.status_code == 409 and "only when reserved" in sent_early.json()["detail"]["reason"]


def camt053(account: str, end_to_end_id: str, amount: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>M-{end_to_end_id[:8]}</MsgId><CreDtTm>2026-12-02T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>STMT-{end_to_end_id[:12]}</Id><CreDtTm>2026-12-02T06:00:00</CreDtTm>
  <Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>EUR</Ccy></Acct>
  <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt>
   <AcctSvcrRef>B-1</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end_id}</EndToEndId></Refs>
   <RltdPties><Cdtr><Nm>Hamburger Maschinenbau GmbH</Nm></Cdtr>
   <CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>
  <Ntry><Amt Ccy="EUR">640.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt>
   <AcctSvcrRef>B-2</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Lyon Textiles SA</Nm></Dbtr></RltdPties>
   <RmtInf><Ustrd>Facture WW-2026-9</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
 </Stmt></BkToCstmrStmt></Document>""".encode()


def camt053_return(account: str, end_to_end_id: str, amount: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
 <GrpHdr><MsgId>R-{end_to_end_id[:8]}</MsgId><CreDtTm>2026-12-09T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>RET-{end_to_end_id[:12]}</Id><Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>EUR</Ccy></Acct>
  <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>2026-12-08</Dt></BookgDt><AcctSvcrRef>R-1</AcctSvcrRef><NtryDtls><TxDtls>
   <Refs><EndToEndId>{end_to_end_id}</EndToEndId></Refs>
   <RmtInf><Ustrd>beneficiary account closed</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
 </Stmt></BkToCstmrStmt></Document>""".encode()


async def test_a_sent_payment_is_exported_as_valid_pain001_and_settled_by_its_camt053_line(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "treasurer")
    payment = await sent(platform, api, owner, company_id, euro_body())
    exported = await api.get("/api/payments/orders.xml", headers=bearer(owner), params={"ids": payment["id"]})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/xml")
    assert pain001.schema_problems(exported.content) == []
    assert payment["end_to_end_id"].encode() in exported.content
    as_1c = await api.get("/api/payments/orders.1c", headers=bearer(owner), params={"ids": payment["id"]})
    assert as_1c.status_code == 409 and "in EUR" in as_1c.json()["detail"]["reason"]

    statement = camt053(OUR_EURO_ACCOUNT.account, payment["end_to_end_id"], "1250.50")
    imported = await api.post(
        "/api/bank-statements/import", headers={**keyed(owner, str(uuid.uuid4())), "Content-Type": "application/xml"},
        content=statement,
    )  # fmt: skip
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["settlement_problems"] == []
    matched = {line["line_ref"]: (line["payment_id"], line["invoice_id"]) for line in body["lines"]}
    assert matched == {"B-1": (payment["id"], None), "B-2": (None, None)}
    settled = (await api.get(f"/api/payments/{payment['id']}", headers=bearer(owner))).json()
    line_ref = f"STMT-{payment['end_to_end_id'][:12]}/B-1"
    assert (settled["status"], settled["statement_line_ref"]) == ("settled", line_ref)

    open_lines = (await api.get("/api/bank-statements/unmatched-lines", headers=bearer(owner))).json()
    assert [(line["line_ref"], line["amount"]) for line in open_lines] == [("B-2", "640.00")]
    by_hand = await api.post(
        f"/api/bank-statements/{body['id']}/matches", headers=bearer(owner),
        json={"line_ref": "B-2", "invoice_id": "inv-9"},
    )  # fmt: skip
    assert by_hand.status_code == 200 and by_hand.json()["settlement_problems"] == [], by_hand.text
    assert (await api.get("/api/bank-statements/unmatched-lines", headers=bearer(owner))).json() == []
    incoming = [r for r in payment_rows(platform, company_id) if r[0] != payment["id"]]
    assert [(status, amount) for _, status, amount in incoming] == [("settled", Decimal("640.00"))]
    again = await api.post(
        "/api/bank-statements/import", headers={**keyed(owner, str(uuid.uuid4())), "Content-Type": "application/xml"},
        content=statement,
    )  # fmt: skip
    assert again.status_code == 201 and len(payment_rows(platform, company_id)) == 2  # the same file changes nothing

    # A week later the bank sends the money back: an incoming line naming the payment's end-to-end id.
    back = camt053_return(OUR_EURO_ACCOUNT.account, payment["end_to_end_id"], "1240.50")
    returned = await api.post(
        "/api/bank-statements/import", headers={**keyed(owner, str(uuid.uuid4())), "Content-Type": "application/xml"},
        content=back,
    )  # fmt: skip
    assert returned.status_code == 201 and returned.json()["settlement_problems"] == [], returned.text
    assert [line["payment_id"] for line in returned.json()["lines"]] == [payment["id"]]
    after = (await api.get(f"/api/payments/{payment['id']}", headers=bearer(owner))).json()
    assert (after["status"], after["reason"]) == ("returned", "returned by the bank: beneficiary account closed")


async def test_a_rouble_payment_goes_out_as_1c_text_and_its_1c_statement_settles_it(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "buhgalter")
    payment = await sent(platform, api, owner, company_id, rouble_body())
    exported = await api.get("/api/payments/orders.1c", headers=bearer(owner), params={"ids": payment["id"]})
    assert exported.status_code == 200, exported.text
    (order,) = onec.parse_orders(exported.content)
    assert (order.amount, order.beneficiary.inn, order.payer.account) == (
        Decimal("98000.00"), ROUBLE_SUPPLIER.inn, OUR_ROUBLE_ACCOUNT.account
    )  # fmt: skip
    today = datetime.now(UTC).strftime("%d.%m.%Y")
    statement = "\r\n".join([
        "1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "СекцияРасчСчет",
        f"ДатаНачала={today}", f"ДатаКонца={today}", f"РасчСчет={OUR_ROUBLE_ACCOUNT.account}", "КонецРасчСчет",
        "СекцияДокумент=Платежное поручение", f"Номер={order.number}", f"Дата={today}", "Сумма=98000.00",
        f"ПлательщикСчет={OUR_ROUBLE_ACCOUNT.account}", f"ПолучательСчет={ROUBLE_SUPPLIER.account}",
        "Получатель1=АО Альфа Логистик", f"ДатаСписано={today}", "КонецДокумента", "КонецФайла",
    ]).encode("cp1251")  # fmt: skip
    imported = await api.post(
        "/api/bank-statements/import", headers={**keyed(owner, str(uuid.uuid4())), "Content-Type": "text/plain"},
        content=statement,
    )  # fmt: skip
    assert imported.status_code == 201, imported.text
    assert [line["payment_id"] for line in imported.json()["lines"]] == [payment["id"]]
    assert (await api.get(f"/api/payments/{payment['id']}", headers=bearer(owner))).json()["status"] == "settled"
    too_late = await api.post(f"/api/payments/{payment['id']}/cancel", headers=bearer(owner), json={"reason": "x"})
    assert too_late.status_code == 409 and "settled" in too_late.json()["detail"]["reason"]
    returned = await api.post(
        f"/api/payments/{payment['id']}/return", headers=bearer(owner), json={"reason": "счёт получателя закрыт"}
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned", returned.text
    broken = await api.post(
        "/api/bank-statements/import", headers={**keyed(owner, str(uuid.uuid4())), "Content-Type": "text/plain"},
        content="1CClientBankExchange\r\nСекцияДокумент=x".encode("cp1251"),
    )  # fmt: skip
    assert broken.status_code == 422 and "not closed" in broken.json()["detail"][0]["msg"]
