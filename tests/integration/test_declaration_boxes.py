"""The mandatory boxes of a goods declaration on the real stack: each empty box of an import gets a 422 naming
the box and the field (XML export) and keeps the declaration in draft; a complete one exports its combined rate.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from lxml import etree

from stack.processes import PlatformProcesses
from streams.customs.validation import MandatoryBox, mandatory_boxes
from tests.integration.observe import bearer, company_owner
from tests.integration.test_customs import DOCUMENTS, ITEMS, NAMESPACES, XSD, create, full_declaration, load_tariff

IMPORT_BOXES = [box for box in mandatory_boxes() if box.applies_to("40")]
NUMBERS = ("gross_weight_kg", "net_weight_kg", "quantity", "invoice_value", "valuation_method")
# Pots (5% ad valorem) and T-shirts (10% but not less than 0.3 EUR/kg, conformity certificate attached).
GOODS = [ITEMS[0], ITEMS[1]]


def complete() -> dict[str, Any]:
    return {**full_declaration(), "items": copy.deepcopy(GOODS), "documents": list(DOCUMENTS.values())}


def without(box: MandatoryBox) -> dict[str, Any]:
    """The complete import with the box's field left empty as a client would send it."""
    body = complete()
    path = box.path.split("|")[-1] if "|" in box.path else box.path  # box 9 falls back to the declarant
    if path.startswith("documents[type_code="):
        code = path.removeprefix("documents[type_code=").rstrip("]")
        body["documents"] = [d for d in body["documents"] if d["type_code"] != code]
    elif path.startswith("items[]."):
        name = path.removeprefix("items[].")
        for item in body["items"]:
            item[name] = None if name in NUMBERS else ""
    elif "." in path:
        part, name = path.split(".")
        # Left empty the way the model allows: no vehicles, a blank required code, or no value.
        body[part] = {**body[part], name: {"vehicle_ids": [], "mode_code": ""}.get(name)}
    else:
        body[path] = None
    return body


def expected_fields(box: MandatoryBox) -> set[str]:
    if box.path.startswith("documents"):
        return {"documents"}
    if box.path.startswith("items[]."):
        return {f"items[{n}].{box.path.removeprefix('items[].')}" for n in (1, 2)}
    return set(box.path.split("|"))


async def check_box(api: httpx.AsyncClient, headers: dict[str, str], box: MandatoryBox) -> None:
    name = box.path.removeprefix("items[].")
    if box.path.startswith("items[].") and name in NUMBERS:
        # A number cannot be empty at all: refused where it enters, naming the field.
        answer = await api.post("/api/declarations", headers=headers, json=without(box))
        assert answer.status_code == 422 and name in str(answer.json()["detail"][0]["loc"]), answer.text
        return
    declaration_id = await create(api, headers, without(box))
    answer = await api.get(f"/api/declarations/{declaration_id}/xml", headers=headers)
    assert answer.status_code == 422, (box, answer.text)
    by_box = [e for e in answer.json()["detail"] if e["msg"].startswith(f"box {box.box} is empty")]
    assert expected_fields(box) & {e["field"] for e in by_box} == {e["field"] for e in by_box} != set(), answer.text
    assert all(box.rule in e["msg"] and "Decision No. 257" in e["msg"] for e in by_box)
    validated = (await api.post(f"/api/declarations/{declaration_id}/validate", headers=headers)).json()
    assert validated["status"] == "draft"
    assert {e["field"] for e in by_box} <= {e["path"] for e in validated["validation_errors"]}


@pytest.mark.parametrize("chunk", [0, 1])
async def test_an_import_missing_any_mandatory_box_is_refused_naming_box_and_field(
    platform: PlatformProcesses, api: httpx.AsyncClient, chunk: int
) -> None:
    owner, _ = await company_owner(api, f"boxes-{chunk}")
    headers = bearer(owner)
    await load_tariff(api, headers)
    boxes = IMPORT_BOXES[chunk::2]
    for start in range(0, len(boxes), 4):  # a few at a time: the machine is shared
        await asyncio.gather(*(check_box(api, headers, box) for box in boxes[start : start + 4]))


async def test_a_complete_import_validates_and_its_xml_carries_the_combined_rate(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "boxes-complete")
    headers = bearer(owner)
    await load_tariff(api, headers)
    declaration_id = await create(api, headers, complete())
    validated = (await api.post(f"/api/declarations/{declaration_id}/validate", headers=headers)).json()
    assert validated["status"] == "validated", validated["validation_errors"]
    answer = await api.get(f"/api/declarations/{declaration_id}/xml", headers=headers)
    assert answer.status_code == 200, answer.text
    document = etree.fromstring(answer.content)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    [tees] = document.xpath(
        "//ESADout_CU:ESADout_CUGoods[catESAD_cu:GoodsTNVEDCode='6109100000']", namespaces=NAMESPACES
    )
    [duty] = tees.xpath("ESADout_CU:ESADout_CUCustomsPaymentCalculation[catESAD_cu:PaymentModeCode='2010']",
                        namespaces=NAMESPACES)  # fmt: skip
    line = {etree.QName(child).localname: child.text for child in duty}
    assert (line["Rate"], line["RateTypeCode"], line["ComparisonOperationsSign"]) == ("10", "%", "2")
    assert (line["Rate2"], line["RateTypeCode2"], line["RateCurrencyCode2"], line["RateTNVEDQualifierCode2"]) == (
        "0.3", "*", "978", "166",
    )  # fmt: skip
    # Box 9: the declarant settles, so the person is the declarant with the flag.
    flag = document.xpath("//ESADout_CU:ESADout_CUFinancialAdjustingResponsiblePerson/ESADout_CU:DeclarantEqualFlag",
                          namespaces=NAMESPACES)  # fmt: skip
    assert [f.text for f in flag] == ["true"]
