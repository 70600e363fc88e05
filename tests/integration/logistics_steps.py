"""Steps the logistics integration tests share: a shipment ready to book, and what each layer shows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import analytics, bearer, sql

T = TypeVar("T")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact"
VALID_CONTAINER = "MSKU9070323"  # ISO 6346 check digit 3
SHIPPER = {"name": "Hanse Maschinenbau GmbH", "address": "Billstrasse 80", "country": "DE", "city": "Hamburg"}
CONSIGNEE = {"name": "Shanghai Precision Imports", "address": "1000 Zhangheng Road", "country": "CN"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def ready_to_book(api: httpx.AsyncClient, owner: dict[str, str], reference: str) -> str:
    """A draft sea shipment Hamburg -> Shanghai with parties, route and cargo: its id."""
    created = await api.post(
        "/api/shipments",
        headers=bearer(owner),
        json={"reference": reference, "mode": "sea", "incoterm": "FOB", "incoterm_place": "Hamburg",
              "shipper": SHIPPER, "consignee": CONSIGNEE},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    shipment_id: str = created.json()["id"]
    assert created.json()["status"] == "draft"
    route = await api.put(
        f"/api/shipments/{shipment_id}/route",
        headers=bearer(owner),
        json={"legs": [{"origin": "DEHAM", "destination": "CNSHA", "mode": "sea"}]},
    )
    assert route.status_code == 200, route.text
    cargo = await api.put(
        f"/api/shipments/{shipment_id}/cargo/1",
        headers=bearer(owner),
        json={"description": "Spare parts", "package_count": 24, "package_type": "CT", "gross_weight_kg": "1250.5",
              "net_weight_kg": "1100"},
    )  # fmt: skip
    assert cargo.status_code == 200, cargo.text
    return shipment_id


def read_model_status(platform: PlatformProcesses, shipment_id: str) -> str:
    """The shipment's status in the read model ("" while it is not there yet)."""
    rows = sql(platform, "SELECT status FROM shipments WHERE id = %s", shipment_id)
    return str(rows[0][0]) if rows else ""


def analytics_types(platform: PlatformProcesses, aggregate_id: str) -> list[str]:
    rows = analytics(
        platform,
        "SELECT event_type FROM events FINAL WHERE aggregate_id = {id:String} ORDER BY aggregate_version",
        {"id": aggregate_id},
    )
    return [row[0].split(".", 1)[1] for row in rows]


def pushed_statuses(received: list[dict[str, Any]], shipment_id: str) -> list[str]:
    """The status each pushed MilestoneReached/ShipmentBooked moved the shipment to, in order."""
    statuses = []
    for event in received:
        if event["aggregate_id"] != shipment_id:
            continue
        if event["type"] == "shipment.ShipmentBooked":
            statuses.append("booked")
        elif event["type"] == "shipment.MilestoneReached":
            statuses.append(event["payload"]["status"])
    return statuses


async def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    """Waits without blocking the loop (pushes keep arriving) until `check` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout}s")
        await asyncio.sleep(0.05)


async def poll(check: Callable[[], Awaitable[T | None]], timeout: float = 20.0) -> T:
    """The first truthy answer of an async check, polled without blocking the loop."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout}s: last {found!r}")
        await asyncio.sleep(0.05)
