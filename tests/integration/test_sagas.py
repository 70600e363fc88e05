"""The processes (sagas) end to end on the real stack, each with the stream worker killed (-9) between steps.

The worker runs the domains' agents and the processes' agent; it is killed right after the command
that starts a saga is accepted, so the steps that follow land before, during or after the kill, and
started again. Each saga must still complete once (balances moved once), and compensate on its
failure path.

A step the killed worker made before it died can already show in the read model while its successor
is still starting (on a slow machine longer than a command's wait), so a command the test sends next
may rightly be answered 202 (pending): the test then waits for its outcome, never for a 200.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from stack.processes import PlatformProcesses
from tests.integration.gateway_steps import gateway, gateway_key
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_owner
from tests.integration.test_customs_gateway import submitted_declaration
from tests.integration.trade_steps import settled

REGISTRATION = {"registration_number": "10702070/170325/0012345", "registered_on": "2025-03-17"}


async def open_rouble_account(api: httpx.AsyncClient, owner: dict[str, str], roubles: str) -> None:
    opened = await api.post("/api/ledger/accounts", headers=bearer(owner), json={"chart": "51", "currency": "RUB"})
    assert opened.status_code in (200, 201), opened.text
    await deposit(api, owner, "capital-1", roubles)


async def deposit(api: httpx.AsyncClient, owner: dict[str, str], transfer_id: str, roubles: str) -> None:
    transfer = {
        "transfer_id": transfer_id,
        "debit": {"chart": "51"},
        "credit": {"chart": "80"},
        "amount": roubles,
        "currency": "RUB",
        "description": "share capital paid in",
    }
    recorded = await api.post("/api/ledger/transfers", headers=bearer(owner), json={"transfers": [transfer]})
    assert recorded.status_code in (200, 201), recorded.text


async def rouble_balance(api: httpx.AsyncClient, owner: dict[str, str]) -> Decimal:
    account = await api.get("/api/ledger/accounts/51:RUB", headers=bearer(owner))
    assert account.status_code == 200, account.text
    return Decimal(str(account.json()["balance"]))


async def declaration(api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/declarations/{declaration_id}", headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def restart_streams(platform: PlatformProcesses) -> None:
    platform.kill("streams")
    platform.start("streams")


async def test_customs_duty_is_paid_once_through_a_worker_kill_and_the_goods_then_released(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "duty-saga")
    await open_rouble_account(api, owner, "200000.00")
    declaration_id = await submitted_declaration(api, owner)
    key = await gateway_key(platform, company_id)

    held = {**REGISTRATION, "payments_due": "150000.00"}
    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=held)
    assert registered.status_code in (200, 202), registered.text
    restart_streams(platform)  # between the registration and the steps of the saga that follow it

    async def paid() -> dict[str, Any] | None:
        body = await declaration(api, owner, declaration_id)
        return body if body.get("duty_paid") else None

    body = await poll(paid, timeout=120)
    assert body["duty_paid"] == f"declaration:{declaration_id}:duty:1:paid"
    assert await poll(lambda: _balance_is(api, owner, Decimal("50000.00")), timeout=60)
    released = await api.post(f"/api/declarations/{declaration_id}/release", headers=gateway(key))
    assert released.status_code in (200, 202), released.text  # 202: the restarted worker is not up yet (below)
    assert await poll(lambda: _status_is(api, owner, declaration_id, "released"), timeout=60)
    assert await rouble_balance(api, owner) == Decimal("50000.00")  # paid once, whatever the kill re-sent


async def test_a_short_account_holds_the_goods_until_topped_up_and_a_rejection_refunds(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "duty-short")
    await open_rouble_account(api, owner, "1000.00")
    declaration_id = await submitted_declaration(api, owner)
    key = await gateway_key(platform, company_id)
    held = {**REGISTRATION, "payments_due": "1500.00"}
    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=held)
    assert registered.status_code in (200, 202), registered.text

    async def refused() -> dict[str, Any] | None:
        body = await declaration(api, owner, declaration_id)
        return body if body.get("duty_problem") else None

    body = await poll(refused, timeout=60)
    assert "ledger refused" in body["duty_problem"]
    early = await api.post(f"/api/declarations/{declaration_id}/release", headers=gateway(key))
    assert early.status_code == 409 and "not paid" in early.text, early.text
    assert await rouble_balance(api, owner) == Decimal("1000.00")  # nothing held, nothing moved

    await deposit(api, owner, "capital-2", "1000.00")
    retried = await api.post(f"/api/declarations/{declaration_id}/duty/retry", headers=bearer(owner))
    assert retried.status_code in (200, 202), retried.text
    restart_streams(platform)

    async def paid() -> dict[str, Any] | None:
        found = await declaration(api, owner, declaration_id)
        return found if found.get("duty_paid") else None

    assert (await poll(paid, timeout=120))["duty_paid"] == f"declaration:{declaration_id}:duty:2:paid"
    assert await poll(lambda: _balance_is(api, owner, Decimal("500.00")), timeout=60)

    rejected = await api.post(
        f"/api/declarations/{declaration_id}/reject", headers=gateway(key), json={"reason": "wrong origin"}
    )
    assert rejected.status_code in (200, 202), rejected.text  # 202: the restarted worker is not up yet (below)
    assert await poll(lambda: _balance_is(api, owner, Decimal("2000.00")), timeout=60)  # the duty came back


async def _balance_is(api: httpx.AsyncClient, owner: dict[str, str], expected: Decimal) -> bool:
    return await rouble_balance(api, owner) == expected


async def _status_is(api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str, expected: str) -> bool:
    return (await declaration(api, owner, declaration_id)).get("status") == expected


async def euro_account(api: httpx.AsyncClient, owner: dict[str, str], account: str) -> dict[str, Any]:
    answer = await api.get(f"/api/ledger/accounts/52:EUR:{account}", headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def payment_in(api: httpx.AsyncClient, owner: dict[str, str], payment_id: str, *states: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(f"/api/payments/{payment_id}", headers=bearer(owner))).json()
        return body if body.get("status") in states else None

    return await poll(reached, timeout=120)


async def test_a_payment_is_reserved_settled_and_returned_in_the_ledger_through_a_worker_kill(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    from tests.integration.test_payments import camt053, euro_body, keyed
    from tests.unit.payment.parties import OUR_EURO_ACCOUNT

    owner, _ = await company_owner(api, "payment-saga")
    account = OUR_EURO_ACCOUNT.account
    opened = await api.post(
        "/api/ledger/accounts", headers=bearer(owner), json={"chart": "52", "currency": "EUR", "sub": account}
    )
    assert opened.status_code in (200, 201), opened.text
    capital = {"transfer_id": "capital-eur", "debit": {"chart": "52", "sub": account}, "credit": {"chart": "80"},
               "amount": "5000.00", "currency": "EUR"}  # fmt: skip
    recorded = await api.post("/api/ledger/transfers", headers=bearer(owner), json={"transfers": [capital]})
    assert recorded.status_code in (200, 201), recorded.text

    created = await api.post("/api/payments", headers=keyed(owner, "pay-1"), json=euro_body("1250.50"))
    assert created.status_code == 201, created.text
    payment_id = created.json()["id"]
    approved = await api.post(f"/api/payments/{payment_id}/approve", headers=bearer(owner))
    assert approved.status_code in (200, 202), approved.text
    restart_streams(platform)  # between the approval and the reservation the saga makes of it

    reserved = await payment_in(api, owner, payment_id, "reserved")
    assert reserved["reservation_id"] == f"payment:{payment_id}:reserve"
    held = await euro_account(api, owner, account)
    assert (Decimal(str(held["credits_pending"])), Decimal(str(held["balance"]))) == (Decimal("1250.50"), Decimal(5000))

    sent = await api.post(f"/api/payments/{payment_id}/sent", headers=bearer(owner), json={"bank_reference": "B-77"})
    assert (await settled(api, owner, sent, f"/api/payments/{payment_id}")).json()["status"] == "sent", sent.text
    statement = camt053(account, reserved["end_to_end_id"], "1250.50")
    imported = await api.post(
        "/api/bank-statements/import",
        headers={**keyed(owner, "statement-1"), "Content-Type": "application/xml"},
        content=statement,
    )
    assert imported.status_code == 201, imported.text
    await payment_in(api, owner, payment_id, "settled")

    async def posted() -> dict[str, Any] | None:
        found = await euro_account(api, owner, account)
        return found if Decimal(str(found["credits_posted"])) == Decimal("1250.50") else None

    booked = await poll(posted, timeout=60)
    assert (Decimal(str(booked["credits_pending"])), Decimal(str(booked["balance"]))) == (0, Decimal("3749.50"))

    returned = await api.post(f"/api/payments/{payment_id}/return", headers=bearer(owner), json={"reason": "closed"})
    # 202 when the worker is still rebalancing after the restart (the killed member's session expires ~10 s after
    # the kill, which can fall here): accepted and applied later, which the poll below waits for.
    assert returned.status_code in (200, 202), returned.text

    async def back() -> dict[str, Any] | None:
        found = await euro_account(api, owner, account)
        return found if Decimal(str(found["balance"])) == Decimal(5000) else None

    assert await poll(back, timeout=60)

    # Beyond the balance: the ledger refuses to reserve, the payment is rejected saying why, nothing moves.
    big = await api.post("/api/payments", headers=keyed(owner, "pay-2"), json=euro_body("9000.00"))
    assert big.status_code == 201, big.text
    assert (await api.post(f"/api/payments/{big.json()['id']}/approve", headers=bearer(owner))).status_code in (
        200,
        202,
    )
    rejected = await payment_in(api, owner, big.json()["id"], "rejected")
    assert "ledger refused the reservation" in rejected["reason"]
    after = await euro_account(api, owner, account)
    assert (Decimal(str(after["credits_pending"])), Decimal(str(after["balance"]))) == (0, Decimal(5000))


async def test_a_purchase_order_goes_out_once_its_prepayment_settles_and_reopens_when_it_comes_back(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    from tests.integration.test_payments import camt053, keyed
    from tests.integration.trade_steps import terms

    owner, _ = await company_owner(api, "po-saga")
    paying = {"name": "OOO Romashka", "country": "RU", "account": "40702978000000000001", "bank_name": "Sberbank",
              "bank_bic": "SABRRUMMXXX"}  # fmt: skip
    opened = await api.post(
        "/api/ledger/accounts", headers=bearer(owner), json={"chart": "52", "currency": "EUR", "sub": paying["account"]}
    )
    assert opened.status_code in (200, 201), opened.text
    capital = {"transfer_id": "capital-po", "debit": {"chart": "52", "sub": paying["account"]},
               "credit": {"chart": "80"}, "amount": "20000.00", "currency": "EUR"}  # fmt: skip
    assert (await api.post("/api/ledger/transfers", headers=bearer(owner), json={"transfers": [capital]})).is_success

    prepaid = terms(
        payment_terms={"prepayment_percent": "30", "balance_due": "on_arrival", "net_days": 0}, paying_account=paying
    )
    created = await api.post(
        "/api/purchase-orders", headers=bearer(owner), json={"reference": "PO-77", "terms": prepaid}
    )
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    order_url = f"/api/purchase-orders/{order_id}"
    assert (await api.post(f"{order_url}/approve", headers=bearer(owner))).status_code in (200, 202)
    restart_streams(platform)  # between the approval and the prepayment the saga asks for

    async def waiting_for_prepayment() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(order_url, headers=bearer(owner))).json()
        return body if body.get("prepayment_id") else None

    order = await poll(waiting_for_prepayment, timeout=120)
    payment_id = order["prepayment_id"]
    payment = await payment_in(api, owner, payment_id, "requested")
    assert (payment["amount"], payment["currency"], payment["purchase_order_id"]) == ("3824.99", "EUR", order_id)

    assert (await api.post(f"/api/payments/{payment_id}/approve", headers=bearer(owner))).status_code in (200, 202)
    reserved = await payment_in(api, owner, payment_id, "reserved")
    sent = await api.post(f"/api/payments/{payment_id}/sent", headers=bearer(owner), json={"bank_reference": "B-9"})
    assert (await settled(api, owner, sent, f"/api/payments/{payment_id}")).json()["status"] == "sent", sent.text
    statement = camt053(paying["account"], reserved["end_to_end_id"], "3824.99")
    imported = await api.post(
        "/api/bank-statements/import",
        headers={**keyed(owner, "po-statement"), "Content-Type": "application/xml"},
        content=statement,
    )
    assert imported.status_code == 201, imported.text
    restart_streams(platform)  # between the settlement and the release

    async def in_status(wanted: str) -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(order_url, headers=bearer(owner))).json()
        return body if body.get("status") == wanted else None

    assert await poll(lambda: in_status("sent"), timeout=120)
    returned = await api.post(f"/api/payments/{payment_id}/return", headers=bearer(owner), json={"reason": "closed"})
    # 202 when the worker is still rebalancing after the restart (the killed member's session expires ~10 s after
    # the kill, which can fall here): accepted and applied later, which the poll below waits for.
    assert returned.status_code in (200, 202), returned.text
    reopened = await poll(lambda: in_status("draft"), timeout=120)
    assert "closed" in (reopened.get("reason") or "")


async def test_the_money_dashboard_shows_the_tenant_s_ledger_balances(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "money-dashboard")
    await open_rouble_account(api, owner, "1234.56")
    other, _ = await company_owner(api, "money-dashboard-other")
    await open_rouble_account(api, other, "99.00")

    async def balances() -> list[list[Any]] | None:
        answer = await api.get("/api/analytics/dashboards/finance", headers=bearer(owner))
        assert answer.status_code == 200, answer.text
        panel = next(p for p in answer.json()["panels"] if p["id"] == "balances")
        return panel["rows"] or None

    rows = await poll(balances, timeout=60)
    assert sorted(rows) == [["51", "RUB", 1234.56], ["80", "RUB", -1234.56]]  # its own, and nobody else's


async def test_a_supplier_invoice_is_matched_and_scheduled_by_the_process_through_a_worker_kill(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    from tests.integration.trade_steps import LINES, SUPPLIER, terms

    owner, _ = await company_owner(api, "invoice-saga")
    created = await api.post(
        "/api/purchase-orders", headers=bearer(owner), json={"reference": "PO-5", "terms": terms()}
    )
    assert created.status_code == 201, created.text
    order_url = f"/api/purchase-orders/{created.json()['id']}"
    for step, body in (("approve", None), ("send", None), ("confirm", {})):
        assert (await api.post(f"{order_url}/{step}", headers=bearer(owner), json=body)).status_code == 200
    for line in LINES:
        receipt = {"line_no": line["line_no"], "quantity": line["quantity"], "received_on": "2026-11-20"}
        assert (await api.post(f"{order_url}/receipts", headers=bearer(owner), json=receipt)).status_code == 200

    lines = [
        {"line_no": n, "description": line["description"], "quantity": line["quantity"], "unit": line["unit"],
         "unit_price": line["unit_price"], "order_line_no": n}
        for n, line in enumerate(LINES, start=1)
    ]  # fmt: skip
    content = {"counterparty": SUPPLIER["bank"], "currency": "EUR", "lines": lines, "due_on": "2099-01-15",
               "purchase_order_id": created.json()["id"]}  # fmt: skip
    body = {"supplier_invoice_number": "RE-5", "issued_on": "2026-11-21", "content": content}
    received = await api.post("/api/invoices/payables", headers=bearer(owner), json=body)
    assert received.status_code == 201, received.text
    invoice_url = f"/api/invoices/{received.json()['id']}"
    restart_streams(platform)  # between the receipt and the match the process makes of it

    async def scheduled() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get(invoice_url, headers=bearer(owner))).json()
        return found if found["status"] == "scheduled" else None

    invoice = await poll(scheduled, timeout=120)
    assert invoice["pay_on"] == "2099-01-15"

    async def ageing() -> list[list[Any]] | None:
        answer = await api.get("/api/analytics/dashboards/finance", headers=bearer(owner))
        panel = next(p for p in answer.json()["panels"] if p["id"] == "payables_ageing")
        return panel["rows"] or None

    [row] = await poll(ageing, timeout=60)  # kind, currency, days past due, invoices, owed (ClickHouse's decimal)
    assert row[:4] == ["payable", "EUR", "not due", 1] and Decimal(str(row[4])) == Decimal("12749.98"), row


async def test_an_fx_deal_moves_both_currencies_in_the_ledger_and_is_settled(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    from tests.integration.test_fx import load_rates

    owner, _ = await company_owner(api, "fx-saga")
    await load_rates(api, owner)
    euros, dollars = "40702978100000099999", "40702840100000099999"
    for currency, account in (("EUR", euros), ("USD", dollars)):
        opened = {"chart": "52", "currency": currency, "sub": account}
        assert (await api.post("/api/ledger/accounts", headers=bearer(owner), json=opened)).status_code == 201
    capital = {"transfer_id": "capital-fx", "debit": {"chart": "52", "sub": euros}, "credit": {"chart": "80"},
               "amount": "5000.00", "currency": "EUR"}  # fmt: skip
    assert (await api.post("/api/ledger/transfers", headers=bearer(owner), json={"transfers": [capital]})).is_success
    quoted = await api.post(
        "/api/fx/quotes", headers={**bearer(owner), "Idempotency-Key": "fx-quote-1"},
        json={"sell_currency": "EUR", "buy_currency": "USD", "sell_amount": "1000.00", "valid_for_seconds": 600},
    )  # fmt: skip
    assert quoted.status_code == 201, quoted.text
    deal = quoted.json()
    agreed = await api.post(
        f"/api/fx/deals/{deal['id']}/agree", headers=bearer(owner), json={"sell_account": euros, "buy_account": dollars}
    )
    assert agreed.status_code == 200, agreed.text
    restart_streams(platform)  # between the agreement and the money the process moves for it

    async def deal_settled() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get(f"/api/fx/deals/{deal['id']}", headers=bearer(owner))).json()
        return found if found["status"] == "settled" else None

    try:
        done = await poll(deal_settled, timeout=120)
    except AssertionError:
        deal_now = (await api.get(f"/api/fx/deals/{deal['id']}", headers=bearer(owner))).text
        moves = (await api.get("/api/ledger/transfers", headers=bearer(owner))).text
        raise AssertionError(f"deal not settled: {deal_now}; ledger: {moves}") from None
    assert done["settlement_ref"] == f"fx:{deal['id']}:sell"
    sold = (await api.get(f"/api/ledger/accounts/52:EUR:{euros}", headers=bearer(owner))).json()
    bought = (await api.get(f"/api/ledger/accounts/52:USD:{dollars}", headers=bearer(owner))).json()
    assert (Decimal(str(sold["balance"])), Decimal(str(bought["balance"]))) == (Decimal("4000.00"), Decimal("1158.87"))
