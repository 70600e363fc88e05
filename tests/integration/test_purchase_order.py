"""Purchase orders through the API on the real stack: lifecycle, limits, bad input, receipts, customs prefill."""

from __future__ import annotations

from typing import Any

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import bearer, company_member, company_owner
from tests.integration.trade_steps import LINES, command, settled, terms


async def _create(api: httpx.AsyncClient, tokens: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await api.post("/api/purchase-orders", headers=bearer(tokens), json=body)


async def test_an_order_goes_from_draft_to_closed_and_prefills_customs(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "buyer")
    created = await _create(api, owner, {"reference": "PO-2026-0042", "terms": terms()})
    assert created.status_code in (201, 202), created.text
    order_id = created.json()["id"] if created.status_code == 201 else created.json()["aggregate_id"]
    base = f"/api/purchase-orders/{order_id}"
    order = (await settled(api, owner, created, base)).json()
    assert (order["status"], order["total"], order["prepayment"], order["currency"]) == (
        "draft", "12749.98", "0.00", "EUR",
    )  # fmt: skip

    assert (await command(api, owner, f"{base}/approve", read=base))["status"] == "approved"
    assert (await command(api, owner, f"{base}/send", read=base))["status"] == "sent"
    confirmed = await command(api, owner, f"{base}/confirm", {"supplier_reference": "SO-77"}, read=base)
    assert confirmed["status"] == "confirmed" and confirmed["supplier_reference"] == "SO-77"
    receipt = {"line_no": 1, "quantity": "4", "received_on": "2026-04-02"}
    partly = await command(api, owner, f"{base}/receipts", receipt, read=base)
    assert partly["status"] == "partly_received" and partly["received"] == [{"line_no": 1, "quantity": "4"}]

    too_many = await api.post(f"{base}/receipts", headers=bearer(owner), json={**receipt, "quantity": "6.5"})
    assert too_many.status_code == 409, too_many.text
    assert too_many.json()["detail"]["field"] == "quantity"
    assert "4 of 10 received; 6.5 more is above what was ordered" in too_many.json()["detail"]["reason"]

    await command(api, owner, f"{base}/receipts", {**receipt, "quantity": "6"}, read=base)
    received = await command(api, owner, f"{base}/receipts", {**receipt, "line_no": 2, "quantity": "2.5"}, read=base)
    assert received["status"] == "received"
    linked = await command(api, owner, f"{base}/shipments", {"id": "ship-1"}, read=base)
    assert linked["shipment_ids"] == ["ship-1"]
    assert (await command(api, owner, f"{base}/close", {}, read=base))["status"] == "closed"

    prefill = await api.get(f"{base}/declaration-items", headers=bearer(owner))
    assert prefill.status_code == 200, prefill.text
    first, second = prefill.json()["items"]
    assert first["item"]["commodity_code"] == "8413602000" and first["item"]["invoice_value"] == "12500.00"
    assert first["missing"] == [] and second["missing"] == [
        "commodity_code", "origin_country", "gross_weight_kg", "net_weight_kg",
    ]  # fmt: skip

    history = await api.get(f"{base}/history", headers=bearer(owner))
    types = [row["event_type"] for row in history.json()]
    assert "PurchaseOrderCreated" in types[0] and "PurchaseOrderClosed" in types[-1] and len(types) == 9
    listed = await api.get("/api/purchase-orders", headers=bearer(owner), params={"status": "closed"})
    assert [item["id"] for item in listed.json()["items"]] == [order_id]


async def test_bad_input_is_refused_naming_the_field_and_the_reason(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "buyer")
    over_precise = [{**LINES[0], "unit_price": "1250.001"}, LINES[1]]
    negative = [{**LINES[0], "unit_price": "-1250.00"}, LINES[1]]
    cases = [
        (terms(currency="EUX"), "terms.currency", "ISO 4217"),
        (terms(lines=over_precise), "terms.lines[0].unit_price", "EUR has 2 decimals"),
        (terms(lines=negative), "terms.lines[0].unit_price", "greater than zero"),
        (terms(lines=[{**LINES[0], "unit_price": "100.5"}], currency="JPY"), "terms.lines[0].unit_price", "JPY"),
    ]
    for body, field, reason in cases:
        refused = await _create(api, owner, {"reference": "PO-BAD", "terms": body})
        assert refused.status_code == 422, refused.text
        (problem,) = refused.json()["detail"]
        assert problem["loc"] == ["body", field] and reason in problem["msg"], problem
    unknown = await _create(api, owner, {"reference": "PO-BAD", "terms": {**terms(), "discount": "5"}})
    assert unknown.status_code == 422 and "discount" in unknown.text
    bad_incoterm = await _create(api, owner, {"reference": "PO-BAD", "terms": terms(incoterm="FOB2000")})
    assert bad_incoterm.status_code == 422 and "incoterm" in bad_incoterm.text
    assert (await api.get("/api/purchase-orders", headers=bearer(owner))).json()["total"] == 0  # nothing created


async def test_approval_above_the_role_s_limit_is_forbidden_and_a_viewer_may_not_edit(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "buyer")
    accountant, _ = await company_member(api, owner, company_id, "accountant", "accountant")
    viewer, _ = await company_member(api, owner, company_id, "viewer", "viewer")
    created = await _create(api, owner, {"reference": "PO-BIG", "terms": terms()})
    order_id = created.json()["id"] if created.status_code == 201 else created.json()["aggregate_id"]
    base = f"/api/purchase-orders/{order_id}"
    await settled(api, owner, created, base)

    above = await api.post(f"{base}/approve", headers=bearer(accountant))
    assert above.status_code == 403, above.text
    assert above.json()["detail"]["field"] == "total"
    assert "12749.98 EUR is above the accountant's approval limit of 11000 EUR" in above.json()["detail"]["reason"]
    assert (await api.get(base, headers=bearer(owner))).json()["status"] == "draft"  # nothing changed

    refused = await _create(api, viewer, {"reference": "PO-V", "terms": terms()})
    assert refused.status_code == 403 and "finance.po.edit" in refused.text
    # The accountant approves an order within the limit.
    small = await _create(api, accountant, {"reference": "PO-SMALL", "terms": terms(lines=[LINES[1]])})
    assert small.status_code in (201, 202), small.text
    small_id = small.json()["id"] if small.status_code == 201 else small.json()["aggregate_id"]
    await settled(api, accountant, small, f"/api/purchase-orders/{small_id}")
    small_base = f"/api/purchase-orders/{small_id}"
    approved = await command(api, accountant, f"{small_base}/approve", read=small_base)
    assert approved["status"] == "approved"
