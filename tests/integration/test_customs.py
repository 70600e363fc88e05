"""Customs end to end through the real stack: tariff uploads, payments, XML, lifecycle, compliance, classification.

Every expected amount below was worked out by hand from the uploaded tables (rates dated on or before
the declaration date; each item's customs value and each payment rounded to kopecks half up; VAT on the
rounded customs value + duty + excise) and is written as a literal, never recomputed by the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from lxml import etree
from pydantic import TypeAdapter

from api.gateway import customs_gateway_token
from sinks.postgres.projections import PROJECTIONS
from sinks.replay import replay_postgres
from stack.processes import PlatformProcesses
from streams.customs.declaration import CustomsRepresentative, Party, Transport
from streams.customs.examples import BROKER, IMPORTER, SUPPLIER, TRUCK
from streams.registry import DOMAINS
from tests.integration.observe import PushListener, bearer, company_member, company_owner, events_of, execute, sql
from wellwon.envelope import codec

CUSTOMS_DATA = Path(__file__).resolve().parents[2] / "streams" / "customs" / "data"
XSD = CUSTOMS_DATA / "fts-esadout-5.23.0" / "ESADout_CU.xsd"
NAMESPACES = {
    "ESADout_CU": "urn:customs.ru:Information:CustomsDocuments:ESADout_CU:5.23.0",
    "catESAD_cu": "urn:customs.ru:CUESADCommonAggregateTypesCust:5.22.0",
}

DUTY_COLUMNS = "code_prefix,valid_from,valid_to,kind,ad_valorem_percent,specific_amount,specific_currency"
DUTY_RATES = f"""{DUTY_COLUMNS},specific_basis,unit_code,origin_country
,2024-01-01,,ad_valorem,5,,,,,
6109,2024-01-01,,ad_valorem_min_specific,10,0.3,EUR,kg,,
2203,2024-01-01,,specific,,0.15,EUR,unit,112,
6403,2024-01-01,,ad_valorem_plus_specific,5,1.5,EUR,unit,715,
9503,2024-01-01,,ad_valorem,10,,,,,
9503,2024-01-01,,ad_valorem,0,,,,,VN
"""
# An update: toys fall to 7.5% from 16 March 2025; the 10% row must close on the 15th.
DUTY_UPDATE = """code_prefix,valid_from,kind,ad_valorem_percent
9503,2025-03-16,ad_valorem,7.5
"""
PREFERENCES = """country_code,valid_from,valid_to,share_of_base_rate,scheme
IN,2024-01-01,,0.75,developing country
BD,2024-01-01,,0,least developed country
"""
EXCISE_RATES = """code_prefix,valid_from,valid_to,amount,unit_code,payment_code,currency
2203,2024-01-01,,26,112,5200,RUB
"""
VAT_RATES = """code_prefix,valid_from,valid_to,percent
,2019-01-01,,20
9503,2019-01-01,,10
"""
EXCHANGE_RATES = """currency,rate_date,rate,units
USD,2025-03-14,85.7870,1
USD,2025-03-15,86.8389,1
USD,2025-03-18,87.1234,1
EUR,2025-03-15,94.5096,1
JPY,2025-03-15,58.1234,100
"""


def as_json(value: Any) -> Any:
    return TypeAdapter(type(value)).dump_python(value, mode="json")


def item(
    item_id: str,
    description: str,
    code: str,
    origin: str,
    unit: str,
    quantity: str,
    net: str,
    value: str,
    currency: str,
) -> dict[str, Any]:
    gross = f"{float(net) * 1.1:.3f}"
    return {
        "item_id": item_id, "description": description, "commodity_code": code, "origin_country": origin,
        "quantity": quantity, "unit_code": unit, "gross_weight_kg": gross, "net_weight_kg": net,
        "invoice_value": value, "currency": currency,
    }  # fmt: skip


# One item per kind of rate (see the module docstring for how each figure was reached).
ITEMS = [
    item(
        "pots-cn", "Stainless steel cooking pots, set of 3", "7323930000", "CN", "796", "150", "420", "3300.00", "USD"
    ),
    item("tees", "Men's T-shirts, 100% cotton, knitted", "6109100000", "CN", "796", "500", "110.5", "1750.00", "USD"),
    item("tees-cheap", "Cotton T-shirts, knitted, seconds", "6109100000", "CN", "796", "500", "110.5", "200.00", "USD"),
    item("beer", "Malt beer in bottles, 0.5 l", "2203000100", "DE", "112", "1000", "1030", "1200.00", "EUR"),
    item("shoes", "Leather shoes for men", "6403990000", "IT", "715", "120", "96", "4800.00", "EUR"),
    item("pots-in", "Stainless steel cooking pots", "7323930000", "IN", "796", "50", "140", "1000.00", "USD"),
    item("toys-vn", "Plastic building blocks toy set", "9503007000", "VN", "796", "100", "80", "500.00", "USD"),
    item("toys-jp", "Plastic building blocks toy set", "9503007000", "JP", "796", "300", "240", "250000", "JPY"),
]
DOCUMENTS = {
    "invoice": {"document_id": "invoice", "type_code": "04021", "number": "INV-2025-0311", "issued_on": "2025-03-11"},
    "contract": {"document_id": "contract", "type_code": "03011", "number": "VT-SB/2024-07", "issued_on": "2024-07-01",
                 "expires_on": "2026-12-31"},
    "conformity": {"document_id": "conformity", "type_code": "01191", "number": "EAEU RU C-CN.AB12.B.01234/24",
                   "issued_on": "2024-05-20", "expires_on": "2027-05-19"},
}  # fmt: skip
HEADER = {
    "procedure_code": "40", "customs_office_code": "10702070", "reference": "VT-IMP-2025-031",
    "dispatch_country": "CN", "destination_country": "RU", "trading_country": "CN", "delivery_terms": "FCA",
    "delivery_place": "Shenzhen", "declaration_date": "2025-03-17",
}  # fmt: skip


def full_declaration() -> dict[str, Any]:
    return {
        "header": HEADER,
        "declarant": as_json(IMPORTER),
        "consignor": as_json(SUPPLIER),
        "consignee": as_json(IMPORTER),
        "customs_representative": as_json(BROKER),
        "transport": as_json(TRUCK),
        "items": ITEMS,
        "documents": list(DOCUMENTS.values()),
    }


async def upload(api: httpx.AsyncClient, headers: dict[str, str], kind: str, csv: str, mode: str = "replace") -> None:
    answer = await api.post(
        f"/api/customs/tariff/{kind}",
        params={"mode": mode, "source": f"{kind}.csv"},
        content=csv.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text


async def load_tariff(api: httpx.AsyncClient, headers: dict[str, str]) -> None:
    await upload(api, headers, "duty_rates", DUTY_RATES)
    await upload(api, headers, "duty_rates", DUTY_UPDATE, mode="update")
    await upload(api, headers, "preferences", PREFERENCES)
    await upload(api, headers, "excise_rates", EXCISE_RATES)
    await upload(api, headers, "vat_rates", VAT_RATES)
    await upload(api, headers, "fee_scale", (CUSTOMS_DATA / "customs_fee_scale.csv").read_text())
    await upload(api, headers, "exchange_rates", EXCHANGE_RATES)


async def create(api: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    answer = await api.post("/api/declarations", headers=headers, json=body)
    assert answer.status_code == 201, answer.text
    declaration_id: str = answer.json()["id"]
    return declaration_id


def payments_by_item(calculation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """item id -> {"value": customs value, payment code: amount}."""
    return {
        entry["item_id"]: {
            "value": entry["customs_value"],
            **{p["payment_code"]: p["amount"] for p in entry["payments"]},
        }
        for entry in calculation["items"]
    }


async def test_payments_for_every_kind_of_rate_match_hand_worked_figures(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "customs-payments")
    headers = bearer(owner)
    await load_tariff(api, headers)
    duty_table = (await api.get("/api/customs/tariff/duty_rates", headers=headers)).json()["rows"]
    toys = [(r["valid_from"], r["valid_to"], r["ad_valorem_percent"]) for r in duty_table
            if r["code_prefix"] == "9503" and r["origin_country"] is None]  # fmt: skip
    assert toys == [("2024-01-01", "2025-03-15", "10"), ("2025-03-16", None, "7.5")]

    declaration_id = await create(api, headers, full_declaration())
    answer = await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)
    assert answer.status_code == 200, answer.text
    calculation = answer.json()
    assert calculation["declaration_date"] == "2025-03-17"
    assert payments_by_item(calculation) == {
        # ad valorem 5%: 3300.00 USD * 86.8389 (rate of 15 March) = 286568.37; * 5% = 14328.4185 -> 14328.42
        "pots-cn": {"value": "286568.37", "2010": "14328.42", "5010": "60179.36"},
        # 10% but not less than 0.3 EUR/kg: 151968.075 -> 151968.08; 10% = 15196.808 > 110.5*0.3*94.5096 = 3132.99
        "tees": {"value": "151968.08", "2010": "15196.81", "5010": "33432.98"},
        # same rate, cheap goods: 10% = 1736.778 < 3132.99324, so the minimum applies
        "tees-cheap": {"value": "17367.78", "2010": "3132.99", "5010": "4100.15"},
        # specific 0.15 EUR per litre: 1000 * 0.15 * 94.5096; excise 1000 l * 26 RUB; VAT on all three
        "beer": {"value": "113411.52", "2010": "14176.44", "5200": "26000.00", "5010": "30717.59"},
        # 5% plus 1.5 EUR per pair: 22682.304 + 17011.728 = 39694.032
        "shoes": {"value": "453646.08", "2010": "39694.03", "5010": "98668.02"},
        # developing-country preference, 0.75 of the base 5%: 4341.945 * 0.75 = 3256.45875
        "pots-in": {"value": "86838.90", "2010": "3256.46", "5010": "18019.07"},
        # a rate for Vietnamese origin (0%); VAT 10% of 43419.45 = 4341.945 -> 4341.95 (half up)
        "toys-vn": {"value": "43419.45", "2010": "0.00", "5010": "4341.95"},
        # JPY quoted per 100 units: 250000 * 0.581234; the 7.5% row in force from 16 March
        "toys-jp": {"value": "145308.50", "2010": "10898.14", "5010": "15620.66"},
    }
    assert calculation["total_customs_value"] == "1298528.68"
    # 1 200 000 < 1 298 528.68 <= 2 700 000: the 8530 RUB band
    assert calculation["fee"]["amount"] == "8530.00"
    assert calculation["totals"] == {"2010": "100683.29", "5010": "265079.78", "5200": "26000.00", "1010": "8530.00"}
    assert calculation["grand_total"] == "400293.07"
    pots_duty = next(p for p in calculation["items"][0]["payments"] if p["payment_code"] == "2010")
    assert pots_duty["explanation"]["formula"] == "286568.37 RUB * 5% = 14328.4185 -> 14328.42 RUB"
    assert (
        "official USD rate 86.8389 RUB per 1 dated 2025-03-15"
        in calculation["items"][0]["customs_value_explanation"]["sources"][0]
    )

    # The same payments, with their codes, in the XML document the XSD accepts.
    answer = await api.get(f"/api/declarations/{declaration_id}/xml", headers=headers)
    assert answer.status_code == 200, answer.text
    document = etree.fromstring(answer.content)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    totals = document.xpath(
        "//ESADout_CU:ESADout_CUCustomsPayment/catESAD_cu:PaymentModeCode/text()"
        " | //ESADout_CU:ESADout_CUCustomsPayment/catESAD_cu:PaymentAmount/text()",
        namespaces=NAMESPACES,
    )
    assert totals == ["1010", "8530.00", "2010", "100683.29", "5010", "265079.78", "5200", "26000.00"]

    # Conversion on a given date: dated 14 March, the USD rate of the 14th applies (85.7870), not the 18th's.
    answer = await api.put(
        f"/api/declarations/{declaration_id}/header", headers=headers, json={**HEADER, "declaration_date": "2025-03-14"}
    )
    assert answer.status_code == 200, answer.text
    recalculated = (await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)).json()
    # No EUR or JPY rate is dated on or before the 14th: the items valued or taxed in them cannot be calculated.
    gaps = {error["field"]: error["msg"] for error in recalculated["detail"]}
    assert set(gaps) == {"items[2]", "items[3]", "items[4]", "items[5]", "items[8]"}
    assert "no official EUR rate dated on or before 2025-03-14" in gaps["items[4]"]
    assert "no official JPY rate dated on or before 2025-03-14" in gaps["items[8]"]
    single = {**full_declaration(), "items": [ITEMS[0]], "header": {**HEADER, "declaration_date": "2025-03-14"}}
    single_id = await create(api, headers, single)
    on_14th = (await api.get(f"/api/declarations/{single_id}/calculation", headers=headers)).json()
    assert payments_by_item(on_14th)["pots-cn"] == {"value": "283097.10", "2010": "14154.86", "5010": "59450.39"}
    # 283097.10 is in the 200 000 .. 450 000 band
    assert on_14th["totals"]["1010"] == "1550.00"


async def test_fee_scale_boundaries(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, _ = await company_owner(api, "customs-fees")
    headers = bearer(owner)
    await load_tariff(api, headers)
    export = {
        "header": {**HEADER, "procedure_code": "10", "declaration_date": "2025-06-30"},
        "items": [item("goods", "Sawn timber of pine", "4407111000", "RU", "113", "10", "5000", "0.01", "RUB")],
    }
    declaration_id = await create(api, headers, export)
    fees = {}
    for value in ("0.01", "200000.00", "200000.01", "450000.00", "450000.01", "10000000.00", "10000000.01"):
        goods = {**export["items"][0], "invoice_value": value}
        answer = await api.put(f"/api/declarations/{declaration_id}/items/goods", headers=headers, json=goods)
        assert answer.status_code == 200, answer.text
        calculation = (await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)).json()
        assert calculation["total_customs_value"] == value
        assert set(calculation["totals"]) == {"1010"}  # export: no import duty or VAT
        fees[value] = calculation["totals"]["1010"]
    assert fees == {
        "0.01": "775.00", "200000.00": "775.00", "200000.01": "1550.00", "450000.00": "1550.00",
        "450000.01": "3100.00", "10000000.00": "27000.00", "10000000.01": "30000.00",
    }  # fmt: skip
    # The uploaded scale ends on 31 December 2025: a 2026 declaration needs the operator's next scale.
    header_2026 = {**export["header"], "declaration_date": "2026-01-01"}
    assert (await api.put(f"/api/declarations/{declaration_id}/header", headers=headers, json=header_2026)).is_success
    answer = await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "fee"
    await upload(api, headers, "fee_scale", "valid_from,value_over,value_up_to,fee\n2026-01-01,0,,1231\n", "update")
    calculation = (await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)).json()
    assert calculation["totals"] == {"1010": "1231.00"}


async def test_tariff_uploads_are_checked_where_they_enter(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company_id = await company_owner(api, "customs-uploads")
    headers = bearer(owner)
    bad_date = "currency,rate_date,rate\nUSD,15.03.2025,86.8389\n"
    answer = await api.post("/api/customs/tariff/exchange_rates", headers=headers, content=bad_date.encode())
    assert answer.status_code == 422 and "line 2: rate_date" in answer.json()["detail"][0]["msg"]
    no_amount = "code_prefix,valid_from,kind,ad_valorem_percent\n6109,2024-01-01,ad_valorem_min_specific,10\n"
    answer = await api.post("/api/customs/tariff/duty_rates", headers=headers, content=no_amount.encode())
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "rows[1].specific_amount"]
    viewer, _ = await company_member(api, owner, company_id, "viewer")
    answer = await api.post("/api/customs/tariff/vat_rates", headers=bearer(viewer), content=VAT_RATES.encode())
    assert answer.status_code == 403
    await upload(api, headers, "vat_rates", VAT_RATES)
    loaded = await events_of(platform, f"{company_id}.vat_rates", "customs_tariff")
    assert [e.schema_name for e in loaded] == ["customs_tariff.TableLoaded"]


async def test_declaration_lifecycle_xml_and_compliance(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company_id = await company_owner(api, "customs-lifecycle")
    headers = bearer(owner)
    await load_tariff(api, headers)
    operator, _ = await company_member(api, owner, company_id, "operator")
    # A draft with gaps: no consignee, a 5-digit code, no conformity certificate for the T-shirts.
    gaps = {**full_declaration(), "consignee": None, "documents": [DOCUMENTS["invoice"], DOCUMENTS["contract"]]}
    gaps["items"] = [{**ITEMS[1], "commodity_code": "61091"}, ITEMS[0]]
    async with PushListener(platform, owner["access_token"]) as pushes:
        declaration_id = await create(api, bearer(operator), gaps)
        pushed = await pushes.wait_for(2)
        assert "ComplianceChanged" in [p["type"].split(".", 1)[1] for p in pushed]

    answer = await api.get(f"/api/declarations/{declaration_id}/xml", headers=headers)
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["detail"]}
    assert {"consignee", "items[1].commodity_code", "documents"} <= fields
    assert not answer.content.startswith(b"<?xml")

    validated = (await api.post(f"/api/declarations/{declaration_id}/validate", headers=headers)).json()
    assert validated["status"] == "draft"
    assert "items[1].commodity_code" in {e["path"] for e in validated["validation_errors"]}
    answer = await api.post(f"/api/declarations/{declaration_id}/submit", headers=headers)
    assert answer.status_code == 409, answer.text  # invalid: cannot be submitted

    # Fix the fields; the conformity certificate is still missing, so it still cannot be submitted.
    consignee = await api.put(f"/api/declarations/{declaration_id}/parties/consignee", headers=headers,
                              json=as_json(IMPORTER))  # fmt: skip
    assert consignee.status_code == 200, consignee.text
    fixed = await api.put(f"/api/declarations/{declaration_id}/items/tees", headers=headers, json=ITEMS[1])
    assert fixed.status_code == 200, fixed.text
    compliance = (await api.get(f"/api/declarations/{declaration_id}/compliance", headers=headers)).json()
    assert not compliance["complete"]
    assert [m["requirement_id"] for m in compliance["missing"]] == ["conformity"]
    company = (await api.get("/api/customs/compliance", headers=headers)).json()
    assert [(m["declaration_id"], m["document_type_code"]) for m in company["missing"]] == [(declaration_id, "01191")]
    validated = (await api.post(f"/api/declarations/{declaration_id}/validate", headers=headers)).json()
    assert validated["status"] == "draft"
    assert [e["path"] for e in validated["validation_errors"]] == ["documents"]
    answer = await api.post(f"/api/declarations/{declaration_id}/submit", headers=headers)
    assert answer.status_code == 409, answer.text

    async with PushListener(platform, owner["access_token"]) as pushes:
        attached = await api.put(f"/api/declarations/{declaration_id}/documents/conformity", headers=headers,
                                 json=DOCUMENTS["conformity"])  # fmt: skip
        assert attached.status_code == 200, attached.text
        pushed = await pushes.wait_for(2)
        assert [p["type"].split(".", 1)[1] for p in pushed] == ["DocumentAttached", "ComplianceChanged"]
    company = (await api.get("/api/customs/compliance", headers=headers)).json()
    assert company["missing"] == [] and company["complete_declarations"] == company["open_declarations"] == 1

    validated = (await api.post(f"/api/declarations/{declaration_id}/validate", headers=headers)).json()
    assert validated["status"] == "validated", validated["validation_errors"]
    answer = await api.get(f"/api/declarations/{declaration_id}/xml", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
    document = etree.fromstring(answer.content)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    assert document.xpath("//catESAD_cu:GoodsTNVEDCode/text()", namespaces=NAMESPACES) == ["6109100000", "7323930000"]
    # 151968.08 + 286568.37, the customs values of the two items on 17 March
    assert document.xpath("//catESAD_cu:TotalCustCost/text()", namespaces=NAMESPACES) == ["438536.45"]

    assert (await api.post(f"/api/declarations/{declaration_id}/submit", headers=bearer(operator))).status_code == 403
    submitted = await api.post(f"/api/declarations/{declaration_id}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    answer = await api.put(f"/api/declarations/{declaration_id}/items/tees", headers=headers,
                           json={**ITEMS[1], "quantity": "400"})  # fmt: skip
    assert answer.status_code == 409

    registration = {"registration_number": "10702070/170325/0012345", "registered_on": "2025-03-17"}
    as_user = await api.post(f"/api/declarations/{declaration_id}/register", headers=headers, json=registration)
    assert as_user.status_code == 403
    gateway = {"Authorization": f"Bearer {customs_gateway_token(platform.settings.jwt_secret, company_id, 'fts')}"}
    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway, json=registration)
    assert registered.status_code == 200 and registered.json()["status"] == "registered", registered.text

    # After registration: no edit, only a correction.
    cheaper = {**ITEMS[1], "invoice_value": "1500.00"}
    answer = await api.put(f"/api/declarations/{declaration_id}/items/tees", headers=headers, json=cheaper)
    assert answer.status_code == 409 and "correction" in answer.json()["detail"]["reason"]
    answer = await api.post(f"/api/declarations/{declaration_id}/corrections/kdt-1/apply", headers=headers,
                            json={"reason": "invoice corrected", "items": [cheaper]})  # fmt: skip
    assert answer.status_code == 404  # no correction was requested
    requested = await api.post(f"/api/declarations/{declaration_id}/corrections", headers=headers,
                               json={"correction_id": "kdt-1", "reason": "supplier issued a credit note"})  # fmt: skip
    assert requested.status_code == 201, requested.text
    applied = await api.post(f"/api/declarations/{declaration_id}/corrections/kdt-1/apply", headers=headers,
                             json={"reason": "credit note CN-7 applied", "items": [cheaper]})  # fmt: skip
    assert applied.status_code == 200, applied.text
    assert applied.json()["corrections"][0]["applied_at"] is not None
    calculation = (await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)).json()
    # 1500.00 * 86.8389 = 130258.35 (the declaration date fixed at submission: 17 March)
    assert payments_by_item(calculation)["tees"]["value"] == "130258.35"

    released = await api.post(f"/api/declarations/{declaration_id}/release", headers=gateway)
    assert released.status_code == 200 and released.json()["status"] == "released"
    history = (await api.get(f"/api/declarations/{declaration_id}/history", headers=headers)).json()
    events = [h["event"] for h in history]
    assert events[-5:] == [
        "DeclarationSubmitted", "DeclarationRegistered", "CorrectionRequested", "CorrectionApplied",
        "DeclarationReleased",
    ]  # fmt: skip

    # Another tenant sees nothing, whether through the API or the gateway.
    stranger, stranger_company = await company_owner(api, "customs-stranger")
    assert (await api.get(f"/api/declarations/{declaration_id}", headers=bearer(stranger))).status_code == 404
    other_gateway = customs_gateway_token(platform.settings.jwt_secret, stranger_company, "fts")
    answer = await api.post(f"/api/declarations/{declaration_id}/reject", json={"reason": "x"},
                            headers={"Authorization": f"Bearer {other_gateway}"})  # fmt: skip
    assert answer.status_code == 404
    rows = sql(platform, "SELECT tenant_id, status FROM customs_declarations WHERE id = %s", declaration_id)
    assert rows == [(company_id, "released")]


async def test_declaration_from_a_shipment_takes_its_parties_terms_and_cargo(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "customs-shipment")
    headers = bearer(owner)
    shipper = {"name": "Shenzhen Bright", "address": "Keji Road 18", "country": "CN", "city": "Shenzhen"}
    consignee = {"name": "Volga Trade", "address": "Tverskaya 7", "country": "RU", "city": "Moscow"}
    created = await api.post("/api/shipments", headers=headers, json={
        "reference": "SHP-CUSTOMS-1", "mode": "road", "incoterm": "FCA", "incoterm_place": "Shenzhen",
        "shipper": shipper, "consignee": consignee,
    })  # fmt: skip
    assert created.status_code == 201, created.text
    shipment_id = created.json()["id"]
    cargo = {"description": "Men's T-shirts, cotton", "package_count": 20, "package_type": "CT",
             "gross_weight_kg": "121.55", "net_weight_kg": "110.5", "hs_code": "6109100000"}  # fmt: skip
    answer = await api.put(f"/api/shipments/{shipment_id}/cargo/tees", headers=headers, json=cargo)
    assert answer.status_code == 200, answer.text

    body = {"header": {**HEADER, "delivery_terms": None, "delivery_place": None}, "declarant": as_json(IMPORTER),
            "shipment_id": shipment_id}  # fmt: skip
    declaration_id = await create(api, headers, body)
    declaration = (await api.get(f"/api/declarations/{declaration_id}", headers=headers)).json()
    assert declaration["shipment_id"] == shipment_id
    assert (declaration["consignor"]["name"], declaration["consignee"]["address"]["city"]) == (
        "Shenzhen Bright", "Moscow"
    )  # fmt: skip
    assert (declaration["header"]["delivery_terms"], declaration["transport"]["mode_code"]) == ("FCA", "30")
    assert [(i["item_id"], i["commodity_code"], i["net_weight_kg"]) for i in declaration["items"]] == [
        ("tees", "6109100000", "110.5")
    ]
    # What a shipment cannot know is left for the declarant, and validation names it.
    validated = (await api.post(f"/api/declarations/{declaration_id}/validate", headers=headers)).json()
    assert {"items[1].origin_country", "items[1].invoice_value"} <= {e["path"] for e in validated["validation_errors"]}

    stranger, _ = await company_owner(api, "customs-shipment-stranger")
    answer = await api.post("/api/declarations", headers=bearer(stranger), json={**body, "declarant": None})
    assert answer.status_code == 404


async def test_company_compliance_shows_documents_expiring_before_the_declaration_date(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "customs-expiring")
    headers = bearer(owner)
    short_contract = {**DOCUMENTS["contract"], "expires_on": "2025-04-01"}
    body = {**full_declaration(), "documents": [DOCUMENTS["invoice"], short_contract, DOCUMENTS["conformity"]]}
    declaration_id = await create(api, headers, body)
    company = (await api.get("/api/customs/compliance", headers=headers)).json()
    assert company["missing"] == []
    # 1 April is within 30 days of the declaration date, 17 March
    assert [(e["declaration_id"], e["document_id"], e["expires_on"]) for e in company["expiring"]] == [
        (declaration_id, "contract", "2025-04-01")
    ]
    assert (await api.post("/api/customs/compliance/check", headers=headers)).json() == {"checked": 1}


async def test_classification_learns_from_a_tenants_confirmations(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "customs-classify")
    other, _ = await company_owner(api, "customs-classify-other")
    headers = bearer(owner)
    answer = await api.get("/api/customs/classify", params={"q": "men's cotton t-shirts, knitted"}, headers=headers)
    assert answer.status_code == 200, answer.text
    suggestions = answer.json()
    assert suggestions[0]["code"].startswith("6109")
    assert [s["score"] for s in suggestions] == sorted((s["score"] for s in suggestions), reverse=True)
    assert "path:" in suggestions[0]["reason"] and "matched:" in suggestions[0]["reason"]

    national = "code,description,effective_from\n6109100000,Of cotton: men's or boys' T-shirts,2022-01-01\n"
    await upload(api, headers, "national_lines", national)
    suggestions = (await api.get("/api/customs/classify", params={"q": "cotton t-shirts"}, headers=headers)).json()
    assert suggestions[0]["code"] == "6109100000"

    query = {"q": "Widget housing, injection moulded"}
    before = [s["code"] for s in (await api.get("/api/customs/classify", params=query, headers=headers)).json()]
    assert before[:1] != ["392690"]
    choice = {"description": "widget housing, plastic, injection moulded", "code": "392690"}
    confirmed = await api.post("/api/customs/classify/confirm", headers=headers, json=choice)
    assert confirmed.status_code == 201, confirmed.text
    after = (await api.get("/api/customs/classify", params=query, headers=headers)).json()
    assert after[0]["code"] == "392690" and "confirmed by your team" in after[0]["reason"]
    elsewhere = [
        s["code"] for s in (await api.get("/api/customs/classify", params=query, headers=bearer(other))).json()
    ]
    assert elsewhere[:1] == before[:1] != ["392690"]  # another tenant's suggestions are not touched
    unknown = await api.post(
        "/api/customs/classify/confirm", headers=headers, json={"description": "x", "code": "999999"}
    )
    assert unknown.status_code == 422


def test_party_values_round_trip_through_json() -> None:
    """The example parties the tests send are accepted by the API's input types unchanged."""
    assert TypeAdapter(Party).validate_python(as_json(IMPORTER)) == IMPORTER
    assert TypeAdapter(CustomsRepresentative).validate_python(as_json(BROKER)) == BROKER
    assert TypeAdapter(Transport).validate_python(as_json(TRUCK)) == TRUCK


async def test_tariff_tables_declarations_and_confirmations_survive_a_replay(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "customs-replay")
    headers = bearer(owner)
    await load_tariff(api, headers)
    declaration_id = await create(api, headers, full_declaration())
    choice = {"description": "widget housing, plastic, injection moulded", "code": "392690"}
    assert (await api.post("/api/customs/classify/confirm", headers=headers, json=choice)).status_code == 201

    async def snapshot() -> dict[str, Any]:
        return {
            "calculation": (await api.get(f"/api/declarations/{declaration_id}/calculation", headers=headers)).json(),
            "declaration": (await api.get(f"/api/declarations/{declaration_id}", headers=headers)).json(),
            "tables": (await api.get("/api/customs/tariff", headers=headers)).json(),
            "duty_rates": (await api.get("/api/customs/tariff/duty_rates", headers=headers)).json(),
            "classify": (
                await api.get("/api/customs/classify", params={"q": "widget housing"}, headers=headers)
            ).json(),
            "compliance": (await api.get("/api/customs/compliance", headers=headers)).json(),
        }

    before = await snapshot()
    assert before["calculation"]["grand_total"] == "400293.07" and before["classify"][0]["code"] == "392690"
    execute(platform, "DROP TABLE customs_declarations, customs_tariff_tables, customs_tariff_loads")
    topics = [platform.settings.name(d.events_topic) for d in DOMAINS]
    topics += [platform.settings.name(d.results_topic) for d in DOMAINS]
    assert await replay_postgres(platform.settings, codec(), PROJECTIONS, topics) > 0
    assert await snapshot() == before
