"""Invoices through the API on the real stack: numbering without gaps under concurrent issue, the three-way match,
credit notes, payments, bad input."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx

from stack.processes import PlatformProcesses
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_owner
from tests.integration.trade_steps import SUPPLIER, command, settled, terms

CUSTOMER = {
    "name": "ООО Ромашка", "country": "RU", "account": "40702810938000000001", "bank_name": "ПАО Сбербанк",
    "inn": "7707083893", "kpp": "773601001", "bik": "044525225", "correspondent_account": "30101810400000000225",
}  # fmt: skip
TODAY = date.today()
PAY_ON = (TODAY + timedelta(days=30)).isoformat()


def receivable(amount: str = "10000.00", **changes: Any) -> dict[str, Any]:
    return {
        "counterparty": CUSTOMER,
        "currency": "RUB",
        "lines": [{"line_no": 1, "description": "Customs brokerage", "quantity": "1", "unit": "796",
                   "unit_price": amount, "vat_rate": "22"}],
        "due_on": (TODAY + timedelta(days=30)).isoformat(),
        **changes,
    }  # fmt: skip


def _payment(payment_id: str, amount: str, paid_on: str = "2026-03-02") -> dict[str, str]:
    return {"payment_id": payment_id, "amount": amount, "paid_on": paid_on}


def _receipt(line_no: int, quantity: str, on: str = "2026-04-04") -> dict[str, Any]:
    return {"line_no": line_no, "quantity": quantity, "received_on": on}


def _id(response: httpx.Response) -> str:
    body = response.json()
    return str(body["id"] if response.status_code in (200, 201) else body["aggregate_id"])


async def _draft(api: httpx.AsyncClient, owner: dict[str, str], body: dict[str, Any]) -> str:
    drafted = await api.post("/api/invoices", headers=bearer(owner), json=body)
    assert drafted.status_code in (201, 202), drafted.text
    invoice_id = _id(drafted)
    await settled(api, owner, drafted, f"/api/invoices/{invoice_id}")
    return invoice_id


async def _issue(api: httpx.AsyncClient, owner: dict[str, str], invoice_id: str) -> dict[str, Any]:
    """Issue, calling again while an answer is 202 (the steps are idempotent: a retry finishes the issue)."""
    for _ in range(20):
        issued = await api.post(
            f"/api/invoices/{invoice_id}/issue", headers=bearer(owner), json={"issued_on": TODAY.isoformat()}
        )
        if issued.status_code == 200:
            return dict(issued.json())
        assert issued.status_code == 202, issued.text
        await asyncio.sleep(0.5)
    raise AssertionError(f"invoice {invoice_id} not issued")


async def test_invoices_issued_concurrently_are_numbered_without_gaps(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "seller")
    other, _ = await company_owner(api, "other-seller")
    drafts = await asyncio.gather(*(_draft(api, owner, {"content": receivable(f"{100 + n}.00")}) for n in range(12)))
    other_draft = await _draft(api, other, {"content": receivable()})
    issued = await asyncio.gather(*(_issue(api, owner, invoice_id) for invoice_id in drafts))
    year = TODAY.year
    assert sorted(invoice["number"] for invoice in issued) == [f"{year}-{n:06d}" for n in range(1, 13)]
    assert all(invoice["status"] == "issued" for invoice in issued)
    # Another tenant's numbering is its own.
    assert (await _issue(api, other, other_draft))["number"] == f"{year}-000001"
    # Issuing again changes nothing; a voided invoice keeps its number, the next one takes the next.
    again = await _issue(api, owner, drafts[0])
    assert again["number"] == issued[0]["number"]
    voided = await command(api, owner, f"/api/invoices/{drafts[0]}/void", {"reason": "wrong customer"})
    assert (voided["status"], voided["number"]) == ("void", issued[0]["number"])
    later = await _issue(api, owner, await _draft(api, owner, {"content": receivable()}))
    assert later["number"] == f"{year}-000013"
    numbers = (await api.get("/api/invoice-numbers", headers=bearer(owner), params={"year": year})).json()
    assert [row["sequence"] for row in numbers["numbers"]] == list(range(1, 14)) and numbers["gaps"] == []


async def test_a_credit_note_and_payments_reduce_what_is_owed(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "seller")
    invoice_id = await _draft(api, owner, {"content": receivable("10000.00")})
    invoice = await _issue(api, owner, invoice_id)
    assert (invoice["total"], invoice["outstanding"], invoice["overdue"]) == ("12200.00", "12200.00", False)
    note_id = await _draft(
        api, owner, {"content": receivable("1000.00"), "credited_invoice_id": invoice_id, "reason": "damaged"}
    )
    note = await _issue(api, owner, note_id)
    assert note["kind"] == "credit_note" and note["number"].endswith("000002")
    base = f"/api/invoices/{invoice_id}"
    credited = (await api.get(base, headers=bearer(owner))).json()
    assert credited["outstanding"] == "10980.00" and credited["credit_note_ids"] == [note_id]

    too_much = await api.post(
        f"{base}/payments",
        headers=bearer(owner),
        json=_payment("pay-1", "10980.01"),
    )
    assert too_much.status_code == 409 and too_much.json()["detail"]["field"] == "amount", too_much.text
    over_precise = await api.post(
        f"{base}/payments",
        headers=bearer(owner),
        json=_payment("pay-1", "0.001"),
    )
    assert over_precise.status_code == 422, over_precise.text
    assert over_precise.json()["detail"][0]["loc"] == ["body", "amount"] and "RUB has 2 decimals" in over_precise.text
    partly = await command(api, owner, f"{base}/payments", _payment("pay-1", "980.00", "2026-03-02"))
    assert (partly["status"], partly["outstanding"]) == ("partly_paid", "10000.00")
    paid = await command(api, owner, f"{base}/payments", _payment("pay-2", "10000.00", "2026-03-03"))
    assert (paid["status"], paid["outstanding"]) == ("paid", "0.00")


async def test_a_supplier_invoice_is_matched_three_way_with_mismatches_named(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "buyer")
    created = await api.post(
        "/api/purchase-orders", headers=bearer(owner), json={"reference": "PO-9", "terms": terms()}
    )
    order_id = _id(created)
    order = f"/api/purchase-orders/{order_id}"
    await settled(api, owner, created, order)
    for step in ("approve", "send", "confirm"):
        await command(api, owner, f"{order}/{step}", {} if step == "confirm" else None, read=order)
    await command(api, owner, f"{order}/receipts", _receipt(1, "8", "2026-04-02"), read=order)

    lines = [
        {"line_no": 1, "description": "Hydraulic pump", "quantity": "10", "unit": "796", "unit_price": "1250.00",
         "order_line_no": 1},
        {"line_no": 2, "description": "Seal kit", "quantity": "2.5", "unit": "166", "unit_price": "109.99",
         "order_line_no": 2},
    ]  # fmt: skip
    content = {"counterparty": SUPPLIER["bank"], "currency": "EUR", "lines": lines, "due_on": "2026-05-30",
               "purchase_order_id": order_id}  # fmt: skip
    body = {"supplier_invoice_number": "RE-2026-77", "issued_on": "2026-04-03", "content": content}
    received = await api.post("/api/invoices/payables", headers=bearer(owner), json=body)
    assert received.status_code in (201, 202), received.text
    invoice_id = _id(received)
    base = f"/api/invoices/{invoice_id}"
    await settled(api, owner, received, base)
    # The same supplier invoice again is the same invoice; with other figures it is refused.
    repeated = await api.post("/api/invoices/payables", headers=bearer(owner), json=body)
    assert repeated.status_code in (200, 201) and _id(repeated) == invoice_id, repeated.text
    changed = {**body, "content": {**content, "due_on": "2026-06-30"}}
    assert (await api.post("/api/invoices/payables", headers=bearer(owner), json=changed)).status_code == 409

    result = (await api.get(f"{base}/match", headers=bearer(owner))).json()
    assert not result["matches"]
    assert [(m["invoice_line_no"], m["problem"], m["reason"]) for m in result["mismatches"]] == [
        (1, "quantity_above_received", "invoice line 1 (order line 1): invoiced 10, received 8"),
        (2, "quantity_above_received", "invoice line 2 (order line 2): invoiced 2.5, received 0"),
        (2, "price_differs", "invoice line 2 (order line 2): invoiced price 109.99, order price 99.99"),
    ]
    mismatched = await command(api, owner, f"{base}/match")
    assert mismatched["status"] == "mismatched"
    schedule = await api.post(f"{base}/schedule-payment", headers=bearer(owner), json={"pay_on": PAY_ON})
    assert schedule.status_code == 409, schedule.text  # not payable while it does not match

    await command(api, owner, f"{order}/receipts", _receipt(1, "2", "2026-04-04"), read=order)
    await command(api, owner, f"{order}/receipts", _receipt(2, "2.5", "2026-04-04"), read=order)
    result = (await api.get(f"{base}/match", headers=bearer(owner))).json()
    assert [(m["invoice_line_no"], m["problem"]) for m in result["mismatches"]] == [(2, "price_differs")]
    accepted = await command(api, owner, f"{base}/accept-mismatch", {"reason": "new price list agreed"})
    assert accepted["status"] in ("matched", "scheduled")  # the trade process schedules it next

    async def scheduled_by_the_process() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get(base, headers=bearer(owner))).json()
        return found if found["status"] == "scheduled" else None

    # Due on 2026-05-30, already past: the process schedules the payment for the day of the acceptance.
    by_process = await poll(scheduled_by_the_process, timeout=60)
    assert by_process["pay_on"] == max(date(2026, 5, 30), date.today()).isoformat()
    scheduled = await command(api, owner, f"{base}/schedule-payment", {"pay_on": PAY_ON})
    assert (scheduled["status"], scheduled["pay_on"]) == ("scheduled", PAY_ON)  # a person may move it


async def test_bad_invoice_input_is_refused_naming_the_field(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "seller")
    cases = [
        (receivable(currency="RUR"), "content.currency", "ISO 4217"),
        (receivable("10.001"), "content.lines[0].unit_price", "RUB has 2 decimals"),
        (receivable("-10.00"), "content.lines[0].unit_price", "greater than zero"),
    ]
    for content, field, reason in cases:
        refused = await api.post("/api/invoices", headers=bearer(owner), json={"content": content})
        assert refused.status_code == 422, refused.text
        (problem,) = refused.json()["detail"]
        assert problem["loc"] == ["body", field] and reason in problem["msg"], problem
    assert (await api.get("/api/invoices", headers=bearer(owner))).json()["total"] == 0
