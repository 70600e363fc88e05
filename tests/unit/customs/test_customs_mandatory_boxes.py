"""The mandatory boxes per customs procedure (Decision No. 257): each rule of the table, one at a time."""

from dataclasses import replace
from typing import Any

import pytest

from streams.customs.codes import PROCEDURE_BY_CODE, CustomsDirection
from streams.customs.declaration import Declaration, DeclarationHeader, Transport
from streams.customs.examples import EXAMPLE_DATE, SUPPLIER, example_declaration
from streams.customs.validation import MandatoryBox, mandatory_box_errors, mandatory_boxes, validate_declaration

EXPORT_HEADER = {"procedure_code": "10", "dispatch_country": "RU", "destination_country": "CN", "trading_country": "CN"}


def complete(procedure_code: str) -> Declaration:
    """A declaration that fills every box of the procedure: the import example, turned around for export."""
    full = example_declaration(2)
    full = replace(full, financially_responsible=full.declarant)  # box 9 filled in its own right
    if PROCEDURE_BY_CODE[procedure_code].direction is CustomsDirection.IMPORT:
        return replace(full, header=replace(full.header, procedure_code=procedure_code))
    header = replace(full.header, **{**EXPORT_HEADER, "procedure_code": procedure_code})
    return replace(full, header=header, consignor=full.declarant, consignee=SUPPLIER)


def emptied(declaration: Declaration, path: str) -> Declaration:
    """The declaration with the field(s) a rule names left empty."""
    if path.startswith("documents[type_code="):
        code = path.removeprefix("documents[type_code=").rstrip("]")
        return replace(declaration, documents=tuple(d for d in declaration.documents if d.type_code != code))
    if path.startswith("items[]."):
        name = path.removeprefix("items[].")
        # Text is entered empty; a number cannot be left out where it enters (pydantic refuses it), so None here.
        empty = "" if isinstance(getattr(declaration.items[0], name), str) else None
        return replace(declaration, items=tuple(replace(i, **{name: empty}) for i in declaration.items))
    for alternative in path.split("|"):
        owner, _, name = alternative.rpartition(".")
        if not owner:
            declaration = replace(declaration, **{name: None})
        else:
            part: Any = getattr(declaration, owner)
            declaration = replace(
                declaration, **{owner: replace(part, **{name: None if name != "vehicle_ids" else ()})}
            )
    return declaration


def expected_paths(declaration: Declaration, box: MandatoryBox) -> set[str]:
    if box.path.startswith("documents"):
        return {"documents"}
    if box.path.startswith("items[]."):
        name = box.path.removeprefix("items[].")
        return {f"items[{n}].{name}" for n in range(1, len(declaration.items) + 1)}
    return set(box.path.split("|"))  # box 9 emptied with its fallback: the declarant's box 14 is empty too


CASES = [
    pytest.param(procedure, box, id=f"{procedure}-box{box.box}-{box.path}")
    for procedure in ("40", "51", "53", "10", "23")
    for box in mandatory_boxes()
    if box.applies_to(procedure)
]


def test_the_table_covers_the_boxes_the_issue_names() -> None:
    boxes = {code: {b.box for b in mandatory_boxes() if b.applies_to(code)} for code in ("40", "10")}
    assert {"2", "8", "9", "11", "14", "15", "17", "18", "20", "22", "25", "26", "31", "33", "34", "35", "38", "42",
            "44", "45"} <= boxes["40"]  # fmt: skip
    assert {"2", "8", "11", "14", "15", "17", "20", "21", "22", "25", "31", "33", "35", "38", "42", "44"} <= boxes["10"]
    assert all("Decision No. 257 of 20.12.2010" in b.rule and f"box {b.box}" in b.rule for b in mandatory_boxes())
    assert not any(b.applies_to("80") for b in mandatory_boxes())  # transit has its own declaration


@pytest.mark.parametrize("procedure", ["40", "51", "53", "60", "70", "10", "21", "23", "31"])
def test_a_complete_declaration_fills_every_box(procedure: str) -> None:
    assert mandatory_box_errors(complete(procedure)) == ()
    assert validate_declaration(complete(procedure), EXAMPLE_DATE) == ()


@pytest.mark.parametrize(("procedure", "box"), CASES)
def test_each_empty_box_is_one_error_naming_box_rule_and_field(procedure: str, box: MandatoryBox) -> None:
    full = complete(procedure)
    declaration = emptied(full, box.path)
    numeric = box.path.startswith("items[].") and getattr(declaration.items[0], box.path[8:]) is None
    errors = mandatory_box_errors(declaration) if numeric else validate_declaration(declaration, EXAMPLE_DATE)
    box_errors = [e for e in errors if e.message.startswith("box ")]
    assert {e.path for e in box_errors} == expected_paths(full, box), errors
    own = [e for e in box_errors if e.path == box.path.split("|")[0] or box.path.startswith(("items", "documents"))]
    assert own and all(e.message.startswith(f"box {box.box} is empty") and box.rule in e.message for e in own)
    # The empty field is reported by its box alone, not again as malformed.
    assert not [e for e in errors if e not in box_errors and e.path in expected_paths(full, box)]


def test_the_issue_case_no_consignor_dispatch_trading_country_or_delivery_terms_is_refused() -> None:
    full = example_declaration(1)
    header: DeclarationHeader = replace(full.header, dispatch_country=None, trading_country=None, delivery_terms=None)
    errors = validate_declaration(replace(full, header=header, consignor=None), EXAMPLE_DATE)
    assert {(e.path, e.message.split(" is empty")[0]) for e in errors} == {
        ("consignor", "box 2"),
        ("header.trading_country", "box 11"),
        ("header.dispatch_country", "box 15"),
        ("header.delivery_terms", "box 20"),
    }


def test_box_9_is_the_declarant_unless_another_person_settles() -> None:
    full = example_declaration(1)
    assert full.financially_responsible is None and mandatory_box_errors(full) == ()
    settled_by_other = replace(full, financially_responsible=SUPPLIER, declarant=None)
    assert {e.path for e in mandatory_box_errors(settled_by_other)} == {"declarant"}
    nobody = replace(full, declarant=None)
    assert {e.path for e in mandatory_box_errors(nobody)} == {"financially_responsible", "declarant"}


def test_a_transport_without_vehicles_misses_box_18_on_import_and_box_21_on_export() -> None:
    bare = Transport(mode_code="31")
    imported = mandatory_box_errors(replace(complete("40"), transport=bare))
    exported = mandatory_box_errors(replace(complete("10"), transport=bare))
    assert {(e.path, e.message[:10]) for e in imported} == {
        ("transport.vehicle_ids", "box 18 is "), ("transport.nationality_code", "box 18 is "),
        ("transport.inland_mode_code", "box 26 is "),
    }  # fmt: skip
    assert {(e.path, e.message[:10]) for e in exported} == {
        ("transport.vehicle_ids", "box 21 is "), ("transport.nationality_code", "box 21 is "),
    }  # fmt: skip
