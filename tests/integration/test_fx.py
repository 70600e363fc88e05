"""FX through the API on the real stack: rates from the one rate table, quotes, and deals refused once expired."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import bearer, company_member, company_owner, sql


async def load_rates(api: httpx.AsyncClient, owner: dict[str, str]) -> None:
    """Today's CBR-style rates, loaded through the customs tariff API: the one table both domains read."""
    today, last_week = datetime.now(UTC).date(), datetime.now(UTC).date() - timedelta(days=7)
    csv = (
        "currency,rate_date,rate,units\n"
        f"EUR,{last_week},90.0000,1\nEUR,{today},94.1000,1\nUSD,{today},81.2000,1\nJPY,{today},54.6000,100\n"
    )
    loaded = await api.post(
        "/api/customs/tariff/exchange_rates", headers={**bearer(owner), "Content-Type": "text/csv"},
        content=csv.encode(),
    )  # fmt: skip
    assert loaded.status_code == 200, loaded.text


async def test_a_quote_uses_the_customs_rate_table_and_a_deal_is_agreed_before_it_expires(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "fx")
    await load_rates(api, owner)
    week_ago = (datetime.now(UTC).date() - timedelta(days=5)).isoformat()
    old = await api.get("/api/fx/rates", headers=bearer(owner), params={"currency": "EUR", "date": week_ago})
    assert (old.status_code, old.json()["rate"]) == (200, "90.0000")
    quoted = await api.post(
        "/api/fx/quotes", headers={**bearer(owner), "Idempotency-Key": str(uuid.uuid4())},
        json={"sell_currency": "EUR", "buy_currency": "USD", "sell_amount": "1000.00", "valid_for_seconds": 600},
    )  # fmt: skip
    assert quoted.status_code == 201, quoted.text
    quote = quoted.json()
    assert (quote["status"], quote["rate"], quote["buy_amount"]) == ("quoted", "1.158867", "1158.87")
    assert "EUR 94.1000/1" in quote["source"] and "USD 81.2000/1" in quote["source"] and quote["expires_at"]
    agreed = await api.post(f"/api/fx/deals/{quote['id']}/agree", headers=bearer(owner))
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed", agreed.text
    twice = await api.post(f"/api/fx/deals/{quote['id']}/agree", headers=bearer(owner))
    assert twice.status_code == 409
    viewer, _ = await company_member(api, owner, company_id, "viewer", "onlooker")
    assert (await api.post("/api/fx/quotes", headers=bearer(viewer), json={
        "sell_currency": "EUR", "buy_currency": "USD", "sell_amount": "1.00"})).status_code == 403  # fmt: skip


async def test_an_expired_quote_is_refused_naming_expires_at_and_nothing_is_agreed(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "late")
    await load_rates(api, owner)
    quoted = await api.post(
        "/api/fx/quotes", headers=bearer(owner),
        json={"sell_currency": "USD", "buy_currency": "RUB", "sell_amount": "250.00", "valid_for_seconds": 1},
    )  # fmt: skip
    assert quoted.status_code == 201, quoted.text
    quote = quoted.json()
    assert quote["buy_amount"] == "20300.00"
    expires_at = datetime.fromisoformat(quote["expires_at"])
    while datetime.now(UTC) <= expires_at + timedelta(milliseconds=200):  # the quote's own validity must pass
        await asyncio.sleep(0.1)
    refused = await api.post(f"/api/fx/deals/{quote['id']}/agree", headers=bearer(owner))
    assert refused.status_code == 409, refused.text
    assert (
        refused.json()["detail"]["field"] == "expires_at" and "quote expired at" in refused.json()["detail"]["reason"]
    )
    statuses = sql(platform, "SELECT status FROM fx_deals WHERE tenant_id = %s", company_id)
    assert statuses == [("quoted",)]


async def test_unknown_currencies_over_precise_amounts_and_missing_rates_are_refused_naming_the_field(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "fxbad")
    await load_rates(api, owner)
    cases = [
        (
            {"sell_currency": "XYZ", "buy_currency": "RUB", "sell_amount": "1.00"},
            "sell_currency",
            "not an ISO 4217 currency code",
        ),
        ({"sell_currency": "EUR", "buy_currency": "CHF", "sell_amount": "1.00"}, "buy_currency", "no official rate"),
        ({"sell_currency": "EUR", "buy_currency": "RUB", "sell_amount": "1.001"}, "sell_amount", "EUR has 2"),
        ({"sell_currency": "JPY", "buy_currency": "RUB", "sell_amount": "-100"}, "sell_amount", "greater than zero"),
    ]
    for body, field, reason in cases:
        answer = await api.post("/api/fx/quotes", headers=bearer(owner), json=body)
        assert answer.status_code == 422, answer.text
        problem = answer.json()["detail"][0]
        assert problem["loc"][-1] == field and reason in problem["msg"], problem
    jpy = await api.post(
        "/api/fx/quotes",
        headers=bearer(owner),
        json={"sell_currency": "JPY", "buy_currency": "RUB", "sell_amount": "1000"},
    )  # positive control, and units: 54.60 RUB per 100 JPY
    assert jpy.status_code == 201 and Decimal(jpy.json()["buy_amount"]) == Decimal("546.00"), jpy.text
    assert len(sql(platform, "SELECT id FROM fx_deals WHERE tenant_id = %s", company_id)) == 1
