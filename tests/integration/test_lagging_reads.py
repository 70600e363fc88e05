"""Commands while the read models lag (issue 8, item 11): 202 with the command's status URL, never the old state.

A platform of its own (so the session's shared one keeps flowing) with a short command wait; its sinks
process is killed, so the stream engine still accepts commands but nothing reaches Postgres. An update
and three creates must then answer 202 naming the command and where to follow it (not 200 with the state
before the change, not 404 for what was just created), and a new API key must not be lost with it; once
the sinks are back, each command's status says accepted and the read model shows the new state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from stack.processes import PlatformProcesses
from tests.conftest import running_platform
from tests.integration.observe import RUSSIAN_COMPANY, bearer, company_owner

# Long enough for the read model to keep up on a loaded machine before the sinks stop; short enough to wait out.
COMMAND_WAIT_SECONDS = 8


@pytest.fixture(scope="module")
def lagging_platform() -> Iterator[PlatformProcesses]:
    with running_platform(COMMAND_WAIT_SECONDS) as processes:
        yield processes


@pytest.fixture
async def client(lagging_platform: PlatformProcesses) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=lagging_platform.base_url, timeout=30) as api:
        yield api


def assert_pending(answer: httpx.Response) -> dict[str, Any]:
    """A 202 naming the command, its status URL (body and Location header) and the aggregate."""
    assert answer.status_code == 202, f"{answer.status_code} {answer.text}"
    body: dict[str, Any] = answer.json()
    assert body["status"] == "pending"
    assert body["location"] == f"/api/commands/{body['command_id']}" == answer.headers["location"]
    assert body["aggregate_id"]
    return body


async def command_status(api: httpx.AsyncClient, tokens: dict[str, str], command_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/commands/{command_id}", headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def until_accepted(api: httpx.AsyncClient, tokens: dict[str, str], command_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (status := (await command_status(api, tokens, command_id))["status"]) != "accepted":
        assert status == "pending", status
        assert time.monotonic() < deadline, f"command {command_id} still {status} after {timeout}s"
        await asyncio.sleep(0.2)


async def test_commands_answer_202_with_their_status_while_the_read_models_lag(
    lagging_platform: PlatformProcesses, client: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(client, "lag")
    company_url = f"/api/companies/{company_id}"

    # Positive control: with the sinks running, an update answers 200 with the new state.
    renamed = await client.patch(company_url, headers=bearer(owner), json={"name": "Before the lag"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Before the lag"

    partner = await client.post(
        "/api/edi/partners", headers=bearer(owner), json={"code": "CARRIER", "name": "Carrier", "sender_ids": ["CAR"]}
    )
    assert partner.status_code == 201, partner.text
    partner_id = partner.json()["id"]

    lagging_platform.kill("sinks")
    try:
        started = time.monotonic()
        update = assert_pending(await client.patch(company_url, headers=bearer(owner), json={"name": "During the lag"}))
        assert update["aggregate_id"] == company_id
        warehouse = assert_pending(
            await client.post(
                "/api/warehouses",
                headers=bearer(owner),
                json={"code": "LAG-1", "name": "Lagging dock", "country": "DE", "locode": "DEHAM"},
            )
        )
        company = assert_pending(
            await client.post("/api/companies", headers=bearer(owner), json={**RUSSIAN_COMPANY, "name": "Second"})
        )
        second_partner = assert_pending(
            await client.post(
                "/api/edi/partners", headers=bearer(owner), json={"code": "LATE", "name": "Late", "sender_ids": ["LT"]}
            )
        )
        # A secret shown only once comes with the 202 too, or it would be lost.
        key = assert_pending(
            await client.post(f"/api/edi/partners/{partner_id}/api-keys", headers=bearer(owner), json={"label": "k"})
        )
        assert key["api_key"].startswith("wwedi_") and key["partner_id"] == partner_id
        # Each waited for the read model (about the configured wait), then said so instead of answering stale.
        assert time.monotonic() - started >= 5 * COMMAND_WAIT_SECONDS * 0.9

        # Meanwhile the read model still shows the old state, and the commands are known as pending.
        assert (await client.get(company_url, headers=bearer(owner))).json()["name"] == "Before the lag"
        warehouse_url = f"/api/warehouses/{warehouse['aggregate_id']}"
        assert (await client.get(warehouse_url, headers=bearer(owner))).status_code == 404
        for pending in (update, warehouse, company, second_partner, key):
            assert (await command_status(client, owner, pending["command_id"]))["status"] == "pending"
    finally:
        lagging_platform.start("sinks")

    for pending in (update, warehouse, company, second_partner, key):
        await until_accepted(client, owner, pending["command_id"])
    assert (await client.get(company_url, headers=bearer(owner))).json()["name"] == "During the lag"
    shown = await client.get(warehouse_url, headers=bearer(owner))
    assert shown.status_code == 200, shown.text
    assert shown.json()["code"] == "LAG-1"
    late = await client.get(f"/api/edi/partners/{second_partner['aggregate_id']}", headers=bearer(owner))
    assert late.status_code == 200 and late.json()["code"] == "LATE", late.text
    keyed = await client.get("/api/edi/messages", headers={"X-Api-Key": key["api_key"]})
    assert keyed.status_code == 200, keyed.text
    mine = {c["id"]: c["name"] for c in (await client.get("/api/companies", headers=bearer(owner))).json()}
    assert mine[company["aggregate_id"]] == "Second"

    # And once caught up, commands answer 200 with the state again.
    again = await client.patch(company_url, headers=bearer(owner), json={"name": "After the lag"})
    assert again.status_code == 200, again.text
    assert again.json()["name"] == "After the lag"
