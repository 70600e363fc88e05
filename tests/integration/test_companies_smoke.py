"""A first pass over companies: create, read, switch."""

from __future__ import annotations

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import bearer, company_member, company_owner


async def test_owner_creates_reads_and_adds_an_operator(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company_id = await company_owner(api)
    got = await api.get(f"/api/companies/{company_id}", headers=bearer(owner))
    assert got.status_code == 200, got.text
    assert got.json()["inn"] == "7707083893"
    operator, user_id = await company_member(api, owner, company_id, "operator")
    listed = await api.get(f"/api/companies/{company_id}/participants", headers=bearer(operator))
    assert {p["role"] for p in listed.json()} == {"owner", "operator"}
