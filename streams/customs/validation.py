"""Field-level validation of a declaration, in the declaration's own terms.

`validate_declaration` returns every problem as a `FieldError(path, message)`, e.g.
`FieldError("items[3].commodity_code", "item 3: commodity code must be 10 digits")`. The decider's
validate command and the XML export both use it, so a declaration that validates also exports.
Required documents come from the compliance rules: a missing one is a `documents` error.

Before any format check, the boxes the filling rules make mandatory for the declaration's procedure
(`data/mandatory_boxes.csv`, EAEU Commission Decision No. 257 of 20.12.2010, box by box) must be
filled: an empty one is a `FieldError` naming the box, its rule and the field. A field reported
missing by its box is not reported again by the format checks.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from stdnum.ru import inn as russian_inn
from stdnum.ru import ogrn as russian_ogrn

from streams.customs.codes import (
    DOCUMENT_TYPE_BY_CODE,
    MEASURE_UNIT_BY_CODE,
    PROCEDURE_BY_CODE,
    TRANSPORT_MODE_BY_CODE,
    VALUATION_METHODS,
    CustomsDirection,
)
from streams.customs.compliance import DEFAULT_COMPLIANCE_RULES, ComplianceRules, check_compliance
from streams.customs.declaration import (
    CustomsRepresentative,
    Declaration,
    FieldError,
    GoodsItem,
    Party,
    PartyRole,
    SupportingDocument,
    Transport,
)

COUNTRY = re.compile(r"[A-Z]{2}")
CURRENCY = re.compile(r"[A-Z]{3}")
COMMODITY_CODE = re.compile(r"\d{10}")
CUSTOMS_OFFICE = re.compile(r"\d{8}")
KPP = re.compile(r"\d{9}")
UNIT_CODE = re.compile(r"\d{3}")
INCOTERMS = re.compile(r"[A-Z]{3}")
DOCUMENT_TYPE = re.compile(r"\d{5}")
# Box 36: fee(2) duty(2) excise(1) VAT(2), Cyrillic or Latin letters, or "-" for excise.
PREFERENCE_CODE = re.compile(r"[А-ЯA-Z]{4}[А-ЯA-Z-][А-ЯA-Z]{2}")
# The ESADout_CU limits the FTS format puts on text: names 150, one description line 250 (up to 4 lines).
NAME_MAX = 150
DESCRIPTION_MAX = 1000
CITY_MAX = 120
MAX_ITEMS = 999  # the item number is three digits
MANDATORY_BOXES_PATH = Path(__file__).parent / "data" / "mandatory_boxes.csv"
# In the rules table, "IM" and "EK" stand for every procedure of that direction (import, export).
DIRECTION_MARKS = {"IM": CustomsDirection.IMPORT, "EK": CustomsDirection.EXPORT}
_DOCUMENT_OF_TYPE = re.compile(r"documents\[type_code=(?P<code>\d{5})\]")


@dataclass(frozen=True)
class MandatoryBox:
    """One rule of the filling instruction: for these procedures, this box's field must be filled.

    `path` names the declaration field: `header.trading_country`, `items[].description` (every goods
    item), `documents[type_code=03011]` (a document of that type), or alternatives split by `|`
    (box 9: the financially responsible person, or else the declarant).
    """

    procedure_codes: frozenset[str]
    box: str
    path: str
    rule: str

    def applies_to(self, procedure_code: str) -> bool:
        return procedure_code in self.procedure_codes


def _procedure_codes(marks: str) -> frozenset[str]:
    codes: set[str] = set()
    for mark in marks.split():
        direction = DIRECTION_MARKS.get(mark)
        if direction is None:
            codes.add(mark)
        else:
            codes.update(p.code for p in PROCEDURE_BY_CODE.values() if p.direction is direction)
    return frozenset(codes)


@cache
def mandatory_boxes(path: Path = MANDATORY_BOXES_PATH) -> tuple[MandatoryBox, ...]:
    """The mandatory-box rules, read once per process from the shipped table."""
    with path.open(encoding="utf-8", newline="") as table:
        return tuple(
            MandatoryBox(_procedure_codes(row["procedures"]), row["box"], row["path"], row["rule"])
            for row in csv.DictReader(table)
        )


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == ()


def _value_at(target: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        if target is None:
            return None
        target = getattr(target, name)
    return target


def _missing_paths(declaration: Declaration, path: str) -> Iterator[str]:
    """The concrete paths of `path` that are empty in the declaration (none when it is filled)."""
    if document := _DOCUMENT_OF_TYPE.fullmatch(path):
        if not any(d.type_code == document["code"] for d in declaration.documents):
            yield "documents"
    elif path.startswith("items[]."):
        field_name = path.removeprefix("items[].")
        for number, item in enumerate(declaration.items, start=1):
            if _blank(getattr(item, field_name)):
                yield f"items[{number}].{field_name}"
    elif all(_blank(_value_at(declaration, alternative)) for alternative in path.split("|")):
        yield path.split("|")[0]


def _empty_boxes(declaration: Declaration) -> list[tuple[MandatoryBox, FieldError]]:
    procedure = declaration.header.procedure_code
    return [
        (box, FieldError(missing, f"box {box.box} is empty ({box.path.split('|')[0]}): {box.rule}"))
        for box in mandatory_boxes()
        if box.applies_to(procedure)
        for missing in _missing_paths(declaration, box.path)
    ]


def mandatory_box_errors(declaration: Declaration) -> tuple[FieldError, ...]:
    """An error per mandatory box of the declaration's procedure left empty, naming box, rule and field."""
    return tuple(error for _, error in _empty_boxes(declaration))


def _party_errors(party: Party | None, path: str, required: bool) -> Iterator[FieldError]:
    if party is None:
        if required:
            yield FieldError(path, f"{path}: required for this procedure")
        return
    if not 0 < len(party.name.strip()) <= NAME_MAX:
        yield FieldError(f"{path}.name", f"{path}: name must be 1 to {NAME_MAX} characters")
    if not COUNTRY.fullmatch(party.country_code):
        yield FieldError(f"{path}.country_code", f"{path}: country must be an ISO alpha-2 code")
    if not 0 < len(party.address.city.strip()) <= CITY_MAX:
        yield FieldError(f"{path}.address.city", f"{path}: city is required")
    if party.country_code == "RU":
        yield from _russian_identifiers(party, path)
    elif party.inn is not None or party.kpp is not None:
        yield FieldError(f"{path}.inn", f"{path}: INN and KPP apply to Russian parties only")


def _russian_identifiers(party: Party, path: str) -> Iterator[FieldError]:
    if not party.inn:
        yield FieldError(f"{path}.inn", f"{path}: INN is required for a Russian {path}")
        return
    if not russian_inn.is_valid(party.inn):
        yield FieldError(f"{path}.inn", f"{path}: INN {party.inn} is not a valid taxpayer number")
        return
    is_organisation = len(party.inn) == 10
    if is_organisation and not (party.kpp and KPP.fullmatch(party.kpp)):
        yield FieldError(f"{path}.kpp", f"{path}: KPP (9 digits) is required for a Russian organisation")
    if not is_organisation and party.kpp:
        yield FieldError(f"{path}.kpp", f"{path}: an individual entrepreneur has no KPP")
    if party.ogrn is not None and not russian_ogrn.is_valid(party.ogrn):
        yield FieldError(f"{path}.ogrn", f"{path}: OGRN {party.ogrn} is not valid")


def _representative_errors(representative: CustomsRepresentative | None) -> Iterator[FieldError]:
    if representative is None:
        return
    path = "customs_representative"
    yield from _party_errors(representative.party, path, required=True)
    if not representative.registry_number.strip():
        yield FieldError(f"{path}.registry_number", f"{path}: registry number is required")
    if not representative.contract_number.strip():
        yield FieldError(f"{path}.contract_number", f"{path}: contract number is required")


def _header_errors(declaration: Declaration) -> Iterator[FieldError]:
    header = declaration.header
    if header.procedure_code not in PROCEDURE_BY_CODE:
        yield FieldError("header.procedure_code", f"header: unknown customs procedure {header.procedure_code!r}")
    if not CUSTOMS_OFFICE.fullmatch(header.customs_office_code):
        yield FieldError("header.customs_office_code", "header: customs office code must be 8 digits")
    for name in ("dispatch_country", "destination_country", "trading_country"):
        value = getattr(header, name)
        if value is not None and not COUNTRY.fullmatch(value):
            label = name.replace("_", " ")
            yield FieldError(f"header.{name}", f"header: {label} must be an ISO alpha-2 code")
    if header.delivery_terms is not None and not INCOTERMS.fullmatch(header.delivery_terms):
        yield FieldError("header.delivery_terms", "header: delivery terms must be a three-letter Incoterms code")


def _transport_errors(transport: Transport | None) -> Iterator[FieldError]:
    if transport is None:
        yield FieldError("transport", "transport: mode of transport at the border is required")
        return
    if transport.mode_code not in TRANSPORT_MODE_BY_CODE:
        yield FieldError("transport.mode_code", f"transport: unknown mode of transport {transport.mode_code!r}")
    if transport.inland_mode_code is not None and transport.inland_mode_code not in TRANSPORT_MODE_BY_CODE:
        yield FieldError("transport.inland_mode_code", "transport: unknown inland mode of transport")
    if transport.nationality_code is not None and not COUNTRY.fullmatch(transport.nationality_code):
        yield FieldError("transport.nationality_code", "transport: nationality must be an ISO alpha-2 code")
    if transport.border_customs_office is not None and not CUSTOMS_OFFICE.fullmatch(transport.border_customs_office):
        yield FieldError("transport.border_customs_office", "transport: border customs office must be 8 digits")
    for vehicle_id in transport.vehicle_ids:
        if not 0 < len(vehicle_id.strip()) <= 40:
            yield FieldError("transport.vehicle_ids", "transport: a vehicle id must be 1 to 40 characters")


def _positive(value: Decimal, places: int = 6) -> bool:
    """Finite, above zero and with at most `places` decimal places (the XML's fraction digits)."""
    exponent = value.as_tuple().exponent
    return value.is_finite() and value > 0 and isinstance(exponent, int) and -exponent <= places


def _item_errors(number: int, item: GoodsItem) -> Iterator[FieldError]:
    path, label = f"items[{number}]", f"item {number}"
    if not 0 < len(item.description.strip()) <= DESCRIPTION_MAX:
        yield FieldError(f"{path}.description", f"{label}: description must be 1 to {DESCRIPTION_MAX} characters")
    if not COMMODITY_CODE.fullmatch(item.commodity_code):
        yield FieldError(f"{path}.commodity_code", f"{label}: commodity code must be 10 digits")
    if not COUNTRY.fullmatch(item.origin_country):
        yield FieldError(f"{path}.origin_country", f"{label}: origin country must be an ISO alpha-2 code")
    if not _positive(item.quantity):
        yield FieldError(f"{path}.quantity", f"{label}: quantity must be positive, at most 6 decimals")
    if item.unit_code not in MEASURE_UNIT_BY_CODE and not UNIT_CODE.fullmatch(item.unit_code):
        yield FieldError(f"{path}.unit_code", f"{label}: unit must be a 3-digit OKEI code")
    if not _positive(item.net_weight_kg):
        yield FieldError(f"{path}.net_weight_kg", f"{label}: net weight must be positive, at most 6 decimals")
    if not (_positive(item.gross_weight_kg) and item.gross_weight_kg >= item.net_weight_kg):
        yield FieldError(f"{path}.gross_weight_kg", f"{label}: gross weight must be positive and at least the net")
    if not _positive(item.invoice_value, places=2):
        yield FieldError(f"{path}.invoice_value", f"{label}: invoice value must be positive, at most 2 decimals")
    if not CURRENCY.fullmatch(item.currency):
        yield FieldError(f"{path}.currency", f"{label}: currency must be an ISO 4217 alpha-3 code")
    if item.valuation_method not in VALUATION_METHODS:
        yield FieldError(f"{path}.valuation_method", f"{label}: valuation method must be 1 to 6")
    if item.preference_code is not None and not PREFERENCE_CODE.fullmatch(item.preference_code):
        yield FieldError(f"{path}.preference_code", f"{label}: preference code must be 7 characters (2+2+1+2)")


def _document_errors(number: int, document: SupportingDocument, item_ids: frozenset[str]) -> Iterator[FieldError]:
    path, label = f"documents[{number}]", f"document {number}"
    if not DOCUMENT_TYPE.fullmatch(document.type_code):
        yield FieldError(f"{path}.type_code", f"{label}: document type must be a 5-digit code")
    elif document.type_code not in DOCUMENT_TYPE_BY_CODE:
        yield FieldError(f"{path}.type_code", f"{label}: unknown document type {document.type_code}")
    if not 0 < len(document.number.strip()) <= 50:
        yield FieldError(f"{path}.number", f"{label}: number must be 1 to 50 characters")
    if document.expires_on is not None and document.expires_on < document.issued_on:
        yield FieldError(f"{path}.expires_on", f"{label}: expires before it was issued")
    unknown = sorted(set(document.item_ids) - item_ids)
    if unknown:
        yield FieldError(f"{path}.item_ids", f"{label}: refers to unknown goods items {', '.join(unknown)}")


def validate_declaration(
    declaration: Declaration, on: date, rules: ComplianceRules = DEFAULT_COMPLIANCE_RULES
) -> tuple[FieldError, ...]:
    """Every field-level problem of the declaration, judged on `on`; empty when it can be lodged."""
    procedure = PROCEDURE_BY_CODE.get(declaration.header.procedure_code)
    empty_boxes = _empty_boxes(declaration)
    missing = tuple(error for _, error in empty_boxes)
    errors: list[FieldError] = [*_header_errors(declaration)]
    importing = procedure is not None and procedure.direction is CustomsDirection.IMPORT
    exporting = procedure is not None and procedure.direction is CustomsDirection.EXPORT
    errors += _party_errors(declaration.declarant, PartyRole.DECLARANT.value, required=True)
    errors += _party_errors(declaration.consignor, PartyRole.CONSIGNOR.value, required=exporting)
    errors += _party_errors(declaration.consignee, PartyRole.CONSIGNEE.value, required=importing)
    errors += _representative_errors(declaration.customs_representative)
    errors += _transport_errors(declaration.transport)
    if not declaration.items:
        errors.append(FieldError("items", "items: at least one goods item is required"))
    elif len(declaration.items) > MAX_ITEMS:
        errors.append(FieldError("items", f"items: at most {MAX_ITEMS} goods items per declaration"))
    for number, item in enumerate(declaration.items, start=1):
        errors += _item_errors(number, item)
    item_ids = frozenset(item.item_id for item in declaration.items)
    for number, document in enumerate(declaration.documents, start=1):
        errors += _document_errors(number, document, item_ids)
    if procedure is not None:
        report = check_compliance(declaration, on, rules)
        # A required document its box 44 rule reports absent is not reported again by compliance.
        reported = {m["code"] for box, _ in empty_boxes if (m := _DOCUMENT_OF_TYPE.fullmatch(box.path))}
        errors += (
            FieldError("documents", f"documents: {finding.message}")
            for finding in report.missing
            if finding.document_type_code not in reported
        )
    # A field its box reports as empty is not reported again (as malformed or as a party "required").
    empty = {m.path for m in missing if m.path != "documents"}  # other documents' errors still count
    return (*missing, *(e for e in errors if not _covered(e.path, empty)))


def _covered(path: str, empty: set[str]) -> bool:
    """Whether an error at `path` is about a field already reported empty, a part of one, or its whole."""
    return any(path == e or path.startswith(f"{e}.") or e.startswith(f"{path}.") for e in empty)
