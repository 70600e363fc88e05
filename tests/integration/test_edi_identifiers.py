"""Carriers quote their own numbers, on the real stack: statuses found by booking number, bill of lading and
container, per tenant; partners' own status codes; unknown codes raised to the owner; re-used control references.
"""

from __future__ import annotations

from typing import Any

import httpx

from stack.processes import PlatformProcesses
from streams.shipment.identifiers import shipment_id_for
from tests.integration.logistics_steps import fixture, poll, read_model_status, until
from tests.integration.observe import PushListener, bearer, company_owner, sql
from tests.integration.test_logistics_edi import result_of, submit
from wellwon.dead_letters import list_dead_letters

DEAD_LETTERS = "edi.inbound.deadletter"
REFERENCE = "WW-SEA-25077"  # booked as NOL7712002, B/L NOLBL5501, HWB-NOL-88, container NOLU1234566
BY_BOOKING = "iftsta_d95b_picked_up_by_booking.edi"
BY_BILL_OF_LADING = "iftsta_d01b_vessel_departed_by_bill_of_lading.edi"
BY_CONTAINER = "iftsta_d00b_arrived_by_container.edi"
BY_HOUSE_WAYBILL = "iftsta_d99b_unknown_status_by_house_waybill.edi"


async def carrier(api: httpx.AsyncClient, owner: dict[str, str], status_codes: dict[str, str]) -> tuple[str, str]:
    """The tenant's carrier partner (sender MAEU, and the shipper's 4012345000009) and an API key."""
    registered = await api.post(
        "/api/edi/partners",
        headers=bearer(owner),
        json={"code": "MAEU", "name": "Maersk A/S", "sender_ids": ["MAEU", "4012345000009"],
              "timezone": "Europe/Berlin", "status_codes": status_codes},
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    partner_id: str = registered.json()["id"]
    issued = await api.post(f"/api/edi/partners/{partner_id}/api-keys", headers=bearer(owner), json={"label": "ops"})
    assert issued.status_code == 201, issued.text
    return partner_id, issued.json()["api_key"]


async def send(api: httpx.AsyncClient, key: str, raw: bytes, status: str) -> dict[str, Any]:
    return await result_of(api, key, await submit(api, key, raw), status)


async def shipment(api: httpx.AsyncClient, owner: dict[str, str], shipment_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/shipments/{shipment_id}", headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_statuses_by_carriers_numbers_reach_the_right_shipment_and_never_another_tenants(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "edi-numbers")
    partner_id, key = await carrier(api, owner, {"VD": "departed"})
    other_owner, other_company = await company_owner(api, "edi-numbers-other")
    _, other_key = await carrier(api, other_owner, {})
    mine = shipment_id_for(company_id, REFERENCE)
    theirs = shipment_id_for(other_company, "WW-SEA-24001")

    booking = await send(api, key, fixture("iftmin_d99b_sea_booking_carrier_numbers.edi"), "applied")
    assert booking["messages"][0]["shipment_references"] == [REFERENCE]
    await send(api, other_key, fixture("iftmin_d96a_sea_booking.edi"), "applied")
    booked = await shipment(api, owner, mine)
    assert booked["status"] == "booked" and booked["booking_reference"] == "NOL7712002"
    # Weights the instruction states in tonnes (2.15 t, 2 t) read as plain kilograms, not 2.15E+3.
    assert [(c["gross_weight_kg"], c["net_weight_kg"]) for c in booked["cargo"]] == [
        ("1250.5", "1100"),
        ("2150", "2000"),
    ]
    assert booked["totals"]["gross_weight_kg"] == "3400.5"
    [(documents,)] = sql(platform, "SELECT state->'transport_documents' FROM shipments WHERE id = %s", mine)
    assert {(d["kind"], d["number"]) for d in documents} == {
        ("bill_of_lading", "NOLBL5501"), ("house_waybill", "HWB-NOL-88"),
    }  # fmt: skip

    async with PushListener(platform, owner["access_token"]) as pushes:
        # Booking number only (D.95B): picked up.
        by_booking = await send(api, key, fixture(BY_BOOKING), "applied")
        assert by_booking["messages"][0]["shipment_references"] == [REFERENCE]
        assert read_model_status(platform, mine) == "picked_up"
        # Bill of lading only (D.01B), with the network's own code VD the partner maps to a departure.
        by_bill = await send(api, key, fixture(BY_BILL_OF_LADING), "applied")
        assert by_bill["messages"][0]["shipment_references"] == [REFERENCE]
        assert read_model_status(platform, mine) == "in_transit"
        # Container only (D.00B): arrived.
        by_container = await send(api, key, fixture(BY_CONTAINER), "applied")
        assert by_container["messages"][0]["shipment_references"] == [REFERENCE]
        # House waybill only (D.99B) with a code nobody mapped: noted, and raised to the owner.
        unknown = await send(api, key, fixture(BY_HOUSE_WAYBILL), "applied")
        assert unknown["messages"][0]["unknown_statuses"] == [
            {"code": "XQ7", "agency": "ZZZ", "description": "BERTH WINDOW CONFIRMED", "shipment_reference": REFERENCE}
        ]
        await until(lambda: any(p["type"] == "edi_partner.UnknownStatusReceived" for p in pushes.received))
        [notice] = [p for p in pushes.received if p["type"] == "edi_partner.UnknownStatusReceived"]
        assert notice["aggregate_id"] == partner_id and notice["payload"]["status"]["code"] == "XQ7"

    timeline = (await api.get(f"/api/shipments/{mine}/timeline", headers=bearer(owner))).json()["entries"]
    milestones = [e["milestone"] for e in timeline if e["kind"] == "milestone"]
    assert milestones == ["picked_up", "departed", "arrived"]
    assert any(e["kind"] == "transport_event" and "BERTH WINDOW CONFIRMED" in e["description"] for e in timeline)
    version = (await shipment(api, owner, mine))["version"]

    # The same numbers sent by the other tenant's carrier: nothing applied to this tenant's shipment.
    for name, tried in (
        (BY_BOOKING, "booking number NOL7712002 (RFF+BN)"),
        (BY_BILL_OF_LADING, "bill of lading NOLBL5501 (RFF+BM)"),
        (BY_CONTAINER, "container NOLU1234566 (EQD+CN)"),
    ):
        refused = await send(api, other_key, fixture(name), "dead_lettered")
        assert "no shipment of the partner's tenant matches" in refused["reason"] and tried in refused["reason"]
    assert (await shipment(api, owner, mine))["version"] == version
    assert read_model_status(platform, theirs) == "booked"

    # VD is this partner's code only: the other tenant's carrier sends it for its own shipment; it is noted.
    their_vd = fixture(BY_BILL_OF_LADING).replace(b"RFF+BM:NOLBL5501", b"RFF+BN:MAEU240117")
    their_vd = their_vd.replace(b"MAEU00007102", b"MAEU00007202")
    noted = await send(api, other_key, their_vd, "applied")
    assert [s["code"] for s in noted["messages"][0]["unknown_statuses"]] == ["VD"]
    assert read_model_status(platform, theirs) == "booked"


async def test_a_re_used_control_reference_with_other_content_is_dead_lettered_as_a_conflict(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "edi-conflict")
    partner_id, key = await carrier(api, owner, {})
    await send(api, key, fixture("iftmin_d99b_sea_booking_carrier_numbers.edi"), "applied")
    first = await send(api, key, fixture(BY_BOOKING), "applied")
    mine = shipment_id_for(company_id, REFERENCE)
    version = (await shipment(api, owner, mine))["version"]

    # Same control reference MAEU00007101, other content (a departure instead of the pick-up).
    other = fixture(BY_BOOKING).replace(b"STS+1+13::6:COLLECTED FROM SHIPPER", b"STS+1+24::6:VESSEL DEPARTURE")
    conflict = await send(api, key, other, "dead_lettered")
    assert conflict["reason"].startswith("conflict: interchange MAEU/MAEU00007101 was applied before")
    assert first["message_id"] in conflict["reason"]
    # The very same bytes again are still a plain duplicate.
    again = await send(api, key, fixture(BY_BOOKING), "duplicate")
    assert "was applied before" in again["reason"]

    async def lettered() -> list[dict[str, Any]] | None:
        found = await list_dead_letters(platform.settings, DEAD_LETTERS)
        letters = [x for x in found if x["key"] == partner_id]
        return letters or None

    [letter] = await poll(lettered)
    assert letter["reason"] == conflict["reason"]
    assert (await shipment(api, owner, mine))["version"] == version
    assert read_model_status(platform, mine) == "picked_up"
