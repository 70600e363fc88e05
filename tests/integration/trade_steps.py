"""Steps the trade finance integration tests share: a purchase order's JSON, and answers that may lag (202)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.integration.observe import bearer

SUPPLIER = {
    "bank": {
        "name": "Maschinenbau GmbH", "country": "DE", "account": "DE89370400440532013000",
        "bank_name": "Commerzbank", "bank_bic": "COBADEFFXXX",
    },
    "tax_id": "DE136695976",
    "address": "Hauptstr. 1, Köln",
}  # fmt: skip
LINES = [
    {"line_no": 1, "description": "Hydraulic pump", "quantity": "10", "unit": "796", "unit_price": "1250.00",
     "hs_code": "8413602000", "origin_country": "DE", "net_weight_kg": "80", "gross_weight_kg": "95"},
    {"line_no": 2, "description": "Seal kit", "quantity": "2.5", "unit": "166", "unit_price": "99.99"},
]  # fmt: skip


def terms(**changes: Any) -> dict[str, Any]:
    """An order's terms in euros (12749.98 in all), without a prepayment unless changed."""
    return {
        "supplier": SUPPLIER,
        "currency": "EUR",
        "lines": LINES,
        "incoterm": "FCA",
        "incoterm_place": "Köln",
        "payment_terms": {"prepayment_percent": "0", "balance_due": "net_days", "net_days": 30},
        **changes,
    }


async def settled(api: httpx.AsyncClient, tokens: dict[str, str], response: httpx.Response, read: str) -> Any:
    """The answer of a command, waiting out a 202 (a loaded machine's lag, a rebalance) by polling its outcome, which
    must be accepted, then `read`."""
    if response.status_code != 202:
        return response
    command = response.json()["command_id"]
    deadline = time.monotonic() + 60
    while True:
        outcome = await api.get(f"/api/commands/{command}", headers=bearer(tokens))
        if outcome.status_code == 200 and outcome.json()["status"] != "pending":
            assert outcome.json()["status"] == "accepted", outcome.text
            break
        assert time.monotonic() < deadline, f"command {command} still pending"
        await asyncio.sleep(0.3)
    return await api.get(read, headers=bearer(tokens))


async def command(
    api: httpx.AsyncClient, tokens: dict[str, str], path: str, body: Any = None, expect: int = 200, read: str = ""
) -> Any:
    """POST a command and return the JSON of the read-back (waiting out a lagging read model)."""
    response = await api.post(path, headers=bearer(tokens), json=body)
    answered = await settled(api, tokens, response, read or path.rsplit("/", 1)[0])
    assert answered.status_code == expect, answered.text
    return answered.json()
