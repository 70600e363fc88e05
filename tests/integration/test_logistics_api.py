"""Shipments and warehouses through the API on the real stack: lifecycle, read model, analytics, pushes, rules."""

from __future__ import annotations

import httpx

from stack.processes import PlatformProcesses
from tests.integration.logistics_steps import (
    VALID_CONTAINER,
    ago,
    analytics_types,
    pushed_statuses,
    read_model_status,
    ready_to_book,
    until,
)
from tests.integration.observe import PushListener, bearer, company_owner, eventually

LIFECYCLE = [
    ("picked_up", {"place": "DEHAM"}, "picked_up"),
    ("departed", {"place": "DEHAM"}, "in_transit"),
    ("arrived", {"place": "CNSHA"}, "in_transit"),
    ("customs", {"place": "CNSHA"}, "at_customs"),
    ("released", {}, "released"),
    ("delivered", {"note": "signed by W. Chen"}, "delivered"),
]


async def test_a_shipment_goes_from_draft_to_delivered_through_api_commands(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "shipper")
    async with PushListener(platform, owner["access_token"]) as pushes:
        shipment_id = await ready_to_book(api, owner, "WW-API-0001")
        second = await api.put(
            f"/api/shipments/{shipment_id}/cargo/2",
            headers=bearer(owner),
            json={"description": "Paint", "package_count": 10, "package_type": "DR", "gross_weight_kg": "2150",
                  "net_weight_kg": "2000", "dangerous_goods": {"un_number": "1263", "hazard_class": "3"}},
        )  # fmt: skip
        assert second.status_code == 200, second.text
        # Totals are derived from the items, never typed.
        assert second.json()["totals"] == {
            "package_count": 34, "gross_weight_kg": "3400.5", "net_weight_kg": "3100", "volume_m3": None,
        }  # fmt: skip
        attached = await api.post(
            f"/api/shipments/{shipment_id}/equipment",
            headers=bearer(owner),
            json={"kind": "container", "identifier": VALID_CONTAINER, "size_type": "45G1"},
        )
        assert attached.status_code == 200, attached.text
        booked = await api.post(
            f"/api/shipments/{shipment_id}/booking",
            headers=bearer(owner),
            json={"carrier": {"name": "Maersk A/S", "scac": "MAEU"}, "booking_reference": "MAEU240117",
                  "booked_at": ago(days=6)},
        )  # fmt: skip
        assert booked.status_code == 200, booked.text
        assert booked.json()["status"] == "booked" and read_model_status(platform, shipment_id) == "booked"
        for step, (milestone, extra, status) in enumerate(LIFECYCLE):
            answer = await api.post(
                f"/api/shipments/{shipment_id}/milestones",
                headers=bearer(owner),
                json={"milestone": milestone, "actual_at": ago(days=5 - step), **extra},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == status
            assert read_model_status(platform, shipment_id) == status

        expected = ["booked", "picked_up", "in_transit", "in_transit", "at_customs", "released", "delivered"]
        await until(lambda: pushed_statuses(pushes.received, shipment_id) == expected)

    reached = ["MilestoneReached"] * len(LIFECYCLE)
    assert eventually(lambda: analytics_types(platform, shipment_id)[-7:] == ["ShipmentBooked", *reached])

    shipment = (await api.get(f"/api/shipments/{shipment_id}", headers=bearer(owner))).json()
    assert shipment["status"] == "delivered"
    assert [c["identifier"] for c in shipment["equipment"]] == [VALID_CONTAINER]
    assert {m["milestone"] for m in shipment["milestones"] if m["actual_at"]} >= {"booked", "delivered"}

    timeline = (await api.get(f"/api/shipments/{shipment_id}/timeline", headers=bearer(owner))).json()
    descriptions = [entry["description"] for entry in timeline["entries"]]
    # In time order: the booking was confirmed (booked_at) days before the shipment was entered here.
    assert descriptions[:2] == ["Booked with Maersk A/S (MAEU), booking MAEU240117", "Picked up at DEHAM (Hamburg)"]
    assert descriptions[-2:] == ["Shipment WW-API-0001 created (sea)", "Delivered: signed by W. Chen"]
    assert {entry["source"] for entry in timeline["entries"]} == {"api"}

    listed = await api.get(
        "/api/shipments", headers=bearer(owner), params={"status": "delivered", "reference": "ww-api", "limit": 5}
    )
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [shipment_id] and listed.json()["total"] == 1
    none_in_transit = await api.get("/api/shipments", headers=bearer(owner), params={"status": "in_transit"})
    assert none_in_transit.json()["total"] == 0

    stranger, _ = await company_owner(api, "stranger")
    assert (await api.get(f"/api/shipments/{shipment_id}", headers=bearer(stranger))).status_code == 404


async def test_illegal_transitions_bad_check_digits_and_unknown_places_are_rejected_with_the_reason(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "careless")
    shipment_id = await ready_to_book(api, owner, "WW-API-0002")

    delivered = await api.post(
        f"/api/shipments/{shipment_id}/milestones",
        headers=bearer(owner),
        json={"milestone": "delivered", "actual_at": ago(hours=2)},
    )
    assert delivered.status_code == 409, delivered.text
    assert "cannot go from draft to delivered" in delivered.json()["detail"]["reason"]

    bad_digit = await api.post(
        f"/api/shipments/{shipment_id}/equipment",
        headers=bearer(owner),
        json={"kind": "container", "identifier": "MSKU9070324"},
    )
    assert bad_digit.status_code == 422, bad_digit.text
    [problem] = bad_digit.json()["detail"]
    assert problem["loc"] == ["body", "equipment.identifier"]
    assert problem["msg"] == "MSKU9070324 has check digit 4, ISO 6346 gives 3"

    nowhere = await api.put(
        f"/api/shipments/{shipment_id}/route",
        headers=bearer(owner),
        json={"legs": [{"origin": "DEHAM", "destination": "DEZZZ", "mode": "sea"}]},
    )
    assert nowhere.status_code == 422, nowhere.text
    assert nowhere.json()["detail"][0]["msg"] == "DEZZZ is not a known UN/LOCODE place"

    cancelled = await api.post(f"/api/shipments/{shipment_id}/cancel", headers=bearer(owner), json={"reason": "sold"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    rebooked = await api.post(
        f"/api/shipments/{shipment_id}/booking",
        headers=bearer(owner),
        json={"carrier": {"name": "Maersk A/S"}, "booking_reference": "B1"},
    )
    assert rebooked.status_code == 409
    assert "cannot go from cancelled to booked" in rebooked.json()["detail"]["reason"]
    assert read_model_status(platform, shipment_id) == "cancelled"


async def test_warehouse_stock_follows_movements_and_never_goes_negative(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "warehouse")
    registered = await api.post(
        "/api/warehouses",
        headers=bearer(owner),
        json={"code": "HAM-1", "name": "Hamburg Waltershof", "country": "DE", "locode": "DEHAM"},
    )
    assert registered.status_code == 201, registered.text
    warehouse = registered.json()["id"]
    for code, kind in (("DOCK", "receiving"), ("A-01", "storage"), ("OUT", "staging")):
        added = await api.post(
            f"/api/warehouses/{warehouse}/locations", headers=bearer(owner), json={"code": code, "kind": kind}
        )
        assert added.status_code == 201, added.text

    async def operate(path: str, body: dict[str, str]) -> httpx.Response:
        return await api.post(f"/api/warehouses/{warehouse}/{path}", headers=bearer(owner), json=body)

    line = {"sku": "PUMP-200"}
    assert (await operate("receipts", {**line, "quantity": "10", "location": "DOCK"})).status_code == 200
    assert (
        await operate("put-aways", {**line, "quantity": "8", "from_location": "DOCK", "to_location": "A-01"})
    ).status_code == 200
    too_many = await operate("picks", {**line, "quantity": "12", "from_location": "A-01", "to_location": "OUT"})
    assert too_many.status_code == 409, too_many.text
    assert too_many.json()["detail"]["reason"] == "cannot pick 12 of PUMP-200 from A-01: only 8 on hand"
    picked = await operate(
        "picks", {**line, "quantity": "5", "from_location": "A-01", "to_location": "OUT", "shipment_reference": "WW-1"}
    )
    assert picked.status_code == 200, picked.text
    dispatched = await operate(
        "dispatches", {**line, "quantity": "5", "from_location": "OUT", "shipment_reference": "WW-1"}
    )
    assert dispatched.status_code == 200, dispatched.text
    overdrawn = await operate(
        "dispatches", {**line, "quantity": "1", "from_location": "OUT", "shipment_reference": "W"}
    )
    assert overdrawn.status_code == 409
    assert overdrawn.json()["detail"]["reason"] == "cannot dispatch 1 of PUMP-200 from OUT: only 0 on hand"

    stock = await api.get(f"/api/warehouses/{warehouse}/stock", headers=bearer(owner))
    assert stock.status_code == 200
    assert stock.json()["lines"] == [
        {"location": "A-01", "sku": "PUMP-200", "quantity": "3"},
        {"location": "DOCK", "sku": "PUMP-200", "quantity": "2"},
    ]
    movements = (await api.get(f"/api/warehouses/{warehouse}/movements", headers=bearer(owner))).json()
    assert [m["kind"] for m in movements] == ["StockDispatched", "StockPicked", "StockPutAway", "StockReceived"]
    stranger, _ = await company_owner(api, "other-warehouse")
    assert (await api.get(f"/api/warehouses/{warehouse}/stock", headers=bearer(stranger))).status_code == 404
