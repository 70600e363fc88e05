"""The demo month against the real stack: everything it promises is there, and a second run doubles nothing."""

from __future__ import annotations

import time
from typing import Any

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import bearer, sql
from wellwon.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data
from wellwon.demo_month import EDIFACT

COUNTED = (
    "companies", "company_participants", "shipments", "warehouses", "warehouse_stock", "warehouse_movements",
    "edi_partners", "edi_api_keys", "edi_messages", "customs_declarations", "customs_tariff_tables",
    "customs_gateway_credentials", "ledger_accounts", "ledger_transfers", "invoices", "payments", "fx_deals",
    "documents", "document_versions",
)  # fmt: skip


def counts(platform: PlatformProcesses) -> dict[str, int]:
    """Rows per read model table, and audit entries per event type but sign-ins (each run signs in, rightly)."""
    tables = {table: int(sql(platform, f"SELECT count(*) FROM {table}")[0][0]) for table in COUNTED}
    audit = sql(platform, "SELECT event_type, count(*) FROM audit_log GROUP BY event_type")
    return {**tables, **{f"audit {kind}": int(n) for kind, n in audit if not str(kind).endswith("UserAuthenticated")}}


def edi_settled(platform: PlatformProcesses, deadline_seconds: float = 120) -> None:
    """Until the EDI agent has a result for every demo interchange (it works on them after the API answered)."""
    expected = len(list(EDIFACT.glob("*.edi")))
    deadline = time.monotonic() + deadline_seconds
    while int(sql(platform, "SELECT count(*) FROM edi_messages")[0][0]) < expected:
        assert time.monotonic() < deadline, "the demo's EDI messages got no results"
        time.sleep(0.5)


async def demo_owner(api: httpx.AsyncClient) -> dict[str, str]:
    tokens = (await api.post("/api/auth/login", json={"email": DEMO_USERS[0][0], "password": DEMO_PASSWORD})).json()
    [company] = (await api.get("/api/companies", headers=bearer(tokens))).json()
    switched = await api.post(f"/api/companies/{company['id']}/switch", headers=bearer(tokens))
    assert switched.status_code == 200, switched.text
    return bearer(switched.json())


async def test_the_demo_month_is_complete_and_a_second_run_doubles_nothing(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    settings = platform.settings
    await load_demo_data(settings)
    edi_settled(platform)
    first = counts(platform)

    await load_demo_data(settings)
    edi_settled(platform)
    assert counts(platform) == first

    headers = await demo_owner(api)
    shipments = (await api.get("/api/shipments", headers=headers, params={"limit": 100})).json()["items"]
    assert len(shipments) == 12
    assert {s["mode"] for s in shipments} == {"sea", "air", "road", "rail"}
    assert {"draft", "booked", "in_transit", "delivered", "cancelled"} <= {s["status"] for s in shipments}

    declarations = (await api.get("/api/declarations", headers=headers)).json()
    statuses = sorted(d["status"] for d in declarations)
    assert statuses == [
        "draft", "draft", "draft", "registered", "rejected", "released", "released", "submitted", "validated"
    ]  # fmt: skip
    drafts = [await declaration(api, headers, d["id"]) for d in declarations if d["status"] == "draft"]
    assert all(d["items"] for d in drafts) and all("А" <= d["items"][0]["description"][0] <= "я" for d in drafts)
    broken = [d for d in drafts if d["validation_errors"]]
    assert [d["header"]["reference"] for d in broken] == ["ДТ-2611-008"]
    paths = {e["path"] for e in broken[0]["validation_errors"]}
    assert paths == {"documents", "items[2].commodity_code"}, paths  # no contract; the towels' code (item 2) cut short
    for released in (d for d in declarations if d["status"] == "released"):
        calculation = await api.get(f"/api/declarations/{released['id']}/calculation", headers=headers)
        assert calculation.status_code == 200, calculation.text
        assert float(calculation.json()["grand_total"]) > 0
    tables = {t["kind"] for t in (await api.get("/api/customs/tariff", headers=headers)).json()["tables"]}
    assert {"duty_rates", "vat_rates", "fee_scale", "exchange_rates"} <= tables
    rates = (await api.get("/api/customs/tariff/exchange_rates", headers=headers)).json()["rows"]
    assert {r["currency"] for r in rates} == {"USD", "EUR", "CNY"} and len(rates) > 60

    messages = (await api.get("/api/edi/messages", headers=headers)).json()
    assert sorted(m["status"] for m in messages) == ["applied", "dead_lettered", "dead_lettered"]
    assert all(m["reason"] for m in messages if m["status"] == "dead_lettered")

    # The authority's side: the released ones with the payments it assessed, one refused with its reason.
    for row in declarations:
        if row["status"] in ("released", "rejected"):
            full = await declaration(api, headers, row["id"])
            if row["status"] == "released":
                assert {a["payment_code"] for a in full["assessed"]} >= {"1010", "2010", "5010"}, full["assessed"]
            else:
                assert full["rejection_reason"].startswith("Код ТН ВЭД не соответствует"), full

    # The money: payments requested, deals agreed on the rate table, the books balanced in each currency.
    payments = (await api.get("/api/payments", headers=headers)).json()
    assert sorted((p["currency"], p["amount"], p["status"]) for p in payments) == [
        ("EUR", "6250.00", "requested"), ("RUB", "450000.00", "requested")
    ]  # fmt: skip
    deals = (await api.get("/api/fx/deals", headers=headers)).json()
    assert sorted((d["sell_currency"], d["buy_currency"]) for d in deals) == [("RUB", "CNY"), ("RUB", "EUR")]
    assert {d["status"] for d in deals} <= {"agreed", "settled"}, deals  # the FX process settles agreed deals
    for currency in ("RUB", "EUR"):
        balance = (await api.get("/api/ledger/trial-balance", headers=headers, params={"currency": currency})).json()
        assert balance["balanced"] and balance["accounts"], balance


async def declaration(api: httpx.AsyncClient, headers: dict[str, str], declaration_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/declarations/{declaration_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
