"""Demo data for `wellwon run --demo`: accounts, a company and its month of work, created through the API like any user.

Idempotent: users, company, shipments, warehouses, the EDI partner, tariff tables and declarations are each
looked up before they are created, so `make run` twice leaves one month, not two.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from wellwon.config import Settings
from wellwon.demo_customs import load_demo_customs
from wellwon.demo_month import load_demo_month
from wellwon.demo_trade import load_demo_trade

log = logging.getLogger("wellwon.demo")

DEMO_PASSWORD = "wellwon-demo-2026"
DEMO_USERS = (
    ("anna.petrova@demo.wellwon.local", "Anna", "Petrova", "owner"),
    ("li.wei@demo.wellwon.local", "Li", "Wei", "operator"),
    ("maria.schmidt@demo.wellwon.local", "Maria", "Schmidt", "accountant"),
)
DEMO_COMPANY: dict[str, Any] = {
    "legal_name": 'ООО "Веллвон Демо"',
    "name": "WellWon Demo",
    "country": "RU",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": {"country": "RU", "city": "Москва", "street": "ул. Вавилова, 19", "postal_code": "117312"},
}


async def load_demo_data(settings: Settings, recognition_wait: float = 0) -> None:
    """Everything through the API; `recognition_wait`: seconds to wait for the demo invoice's recognition (by
    the stack's Dagster) before an operator verifies it (0: verify it only if it was read by an earlier run)."""
    base = f"http://{settings.api_host}:{settings.api_port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(120):  # the API is starting alongside
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
        for email, first, last, _ in DEMO_USERS:
            answer = await client.post(
                "/api/auth/register",
                json={"email": email, "password": DEMO_PASSWORD, "first_name": first, "last_name": last},
            )
            state = "registered" if answer.status_code == 201 else f"{answer.status_code} (already there?)"
            print(f"demo user {email} / {DEMO_PASSWORD}: {state}")
        owner = (
            await client.post("/api/auth/login", json={"email": DEMO_USERS[0][0], "password": DEMO_PASSWORD})
        ).json()
        headers = {"Authorization": f"Bearer {owner['access_token']}"}
        companies = (await client.get("/api/companies", headers=headers)).json()
        if companies:
            company = companies[0]
            print("demo company: already there")
        else:
            company = (await client.post("/api/companies", headers=headers, json=DEMO_COMPANY)).json()
            for email, _, _, role in DEMO_USERS[1:]:
                await client.post(
                    f"/api/companies/{company['id']}/participants",
                    headers=headers,
                    json={"email": email, "role": role},
                )
            print(f"demo company {DEMO_COMPANY['name']} ({company['id']}): owner {DEMO_USERS[0][0]}, two members")
        switched = (await client.post(f"/api/companies/{company['id']}/switch", headers=headers)).json()
        in_company = {"Authorization": f"Bearer {switched['access_token']}"}
        await load_demo_month(client, in_company)
        today = datetime.now(UTC).date()
        await load_demo_customs(client, in_company, settings, company["id"], today)
        await load_demo_trade(client, in_company, today, recognition_wait)
