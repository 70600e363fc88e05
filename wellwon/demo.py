"""Demo data for `wellwon run --demo`: a few accounts, registered through the API like any user."""

from __future__ import annotations

import asyncio
import logging

import httpx

from wellwon.config import Settings

log = logging.getLogger("wellwon.demo")

DEMO_PASSWORD = "wellwon-demo-2026"
DEMO_USERS = (
    ("anna.petrova@demo.wellwon.local", "Anna", "Petrova"),
    ("li.wei@demo.wellwon.local", "Li", "Wei"),
    ("maria.schmidt@demo.wellwon.local", "Maria", "Schmidt"),
)


async def load_demo_data(settings: Settings) -> None:
    base = f"http://{settings.api_host}:{settings.api_port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(120):  # the API is starting alongside
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
        for email, first, last in DEMO_USERS:
            answer = await client.post(
                "/api/auth/register",
                json={"email": email, "password": DEMO_PASSWORD, "first_name": first, "last_name": last},
            )
            state = "registered" if answer.status_code == 201 else f"{answer.status_code} (already there?)"
            print(f"demo user {email} / {DEMO_PASSWORD}: {state}")
