"""Customs code lists as data: procedures, payment types, document types, transport modes, units.

Each list is a tuple of small frozen rows indexed by code, so a correction is a one-line data change,
never a code change. Sources: the EAEU classifiers used to fill in customs declarations (Decision of
the Customs Union Commission No. 378 of 20.09.2010, as amended) and OKEI for units of measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CustomsDirection(StrEnum):
    """First subdivision of box 1 of the declaration (the XML's `CustomsProcedure`)."""

    IMPORT = "ИМ"
    EXPORT = "ЭК"
    TRANSIT = "ТТ"


@dataclass(frozen=True)
class CustomsProcedureCode:
    code: str  # two digits, box 1 second subdivision and box 37
    name: str
    direction: CustomsDirection
    # Whether import duty, excise and VAT are assessed on the declaration (full release for domestic use).
    assesses_import_payments: bool
    # Whether the customs clearance fee (1010) by customs-value band is charged.
    charges_clearance_fee: bool = True


# The classifier of customs procedures. Customs warehouse, free zones, destruction, abandonment and
# the special procedure may also be declared for goods leaving; the direction given is the usual one.
PROCEDURES: tuple[CustomsProcedureCode, ...] = (
    CustomsProcedureCode("10", "Export", CustomsDirection.EXPORT, False),
    CustomsProcedureCode("21", "Processing outside the customs territory", CustomsDirection.EXPORT, False),
    CustomsProcedureCode("23", "Temporary export", CustomsDirection.EXPORT, False),
    CustomsProcedureCode("31", "Re-export", CustomsDirection.EXPORT, False),
    CustomsProcedureCode("40", "Release for domestic consumption", CustomsDirection.IMPORT, True),
    CustomsProcedureCode("51", "Processing within the customs territory", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("53", "Temporary import (admission)", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("60", "Re-import", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("70", "Customs warehouse", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("77", "Free warehouse", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("78", "Free customs zone", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("80", "Customs transit", CustomsDirection.TRANSIT, False, charges_clearance_fee=False),
    CustomsProcedureCode("90", "Special customs procedure", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("91", "Processing for domestic consumption", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("93", "Destruction", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("94", "Abandonment in favour of the state", CustomsDirection.IMPORT, False),
    CustomsProcedureCode("96", "Duty-free trade", CustomsDirection.IMPORT, False),
)
PROCEDURE_BY_CODE: dict[str, CustomsProcedureCode] = {p.code: p for p in PROCEDURES}
NO_PRECEDING_PROCEDURE = "00"


@dataclass(frozen=True)
class PaymentType:
    code: str  # box 47 "type"
    name: str


CLEARANCE_FEE = "1010"
IMPORT_DUTY = "2010"
VAT = "5010"

# Classifier of types of taxes, fees and other payments (the EAEU-wide part and VAT). Excise codes are
# national and differ per excisable group, so each excise tariff row names its own payment code.
PAYMENT_TYPES: tuple[PaymentType, ...] = (
    PaymentType(CLEARANCE_FEE, "Customs fees for customs operations"),
    PaymentType("1020", "Customs fees for customs escort"),
    PaymentType(IMPORT_DUTY, "Import customs duty"),
    PaymentType("2020", "Import customs duty, obligation arisen before 1 September 2010"),
    PaymentType("2040", "Special duty"),
    PaymentType("2050", "Anti-dumping duty"),
    PaymentType("2060", "Countervailing duty"),
    PaymentType(VAT, "Value added tax on goods imported into the Russian Federation"),
)
PAYMENT_TYPE_BY_CODE: dict[str, PaymentType] = {p.code: p for p in PAYMENT_TYPES}


@dataclass(frozen=True)
class DocumentType:
    code: str  # box 44, five digits
    name: str


INVOICE = "04021"
CONTRACT = "03011"
CONFORMITY_CERTIFICATE = "01191"
LICENCE = "01011"

DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType(LICENCE, "Licence for the import or export of goods"),
    DocumentType(CONFORMITY_CERTIFICATE, "Certificate or declaration of conformity to an EAEU technical regulation"),
    DocumentType("01999", "Other document confirming compliance with prohibitions and restrictions"),
    DocumentType("02011", "Bill of lading"),
    DocumentType("02013", "Railway consignment note"),
    DocumentType("02015", "Road consignment note (CMR)"),
    DocumentType("02017", "Air waybill"),
    DocumentType(CONTRACT, "Foreign trade contract"),
    DocumentType("03012", "Supplement or amendment to the contract"),
    DocumentType(INVOICE, "Commercial invoice"),
    DocumentType("04031", "Payment documents"),
    DocumentType("06011", "Certificate of origin"),
)
DOCUMENT_TYPE_BY_CODE: dict[str, DocumentType] = {d.code: d for d in DOCUMENT_TYPES}


@dataclass(frozen=True)
class TransportMode:
    code: str  # boxes 25/26
    name: str


TRANSPORT_MODES: tuple[TransportMode, ...] = (
    TransportMode("10", "Sea"),
    TransportMode("20", "Rail"),
    TransportMode("30", "Road"),
    TransportMode("31", "Road: tractor with trailer"),
    TransportMode("32", "Road: tractor with semi-trailer"),
    TransportMode("40", "Air"),
    TransportMode("50", "Post"),
    TransportMode("71", "Pipeline"),
    TransportMode("72", "Power line"),
    TransportMode("80", "Inland waterway"),
    TransportMode("90", "Own propulsion"),
)
TRANSPORT_MODE_BY_CODE: dict[str, TransportMode] = {m.code: m for m in TRANSPORT_MODES}


@dataclass(frozen=True)
class MeasureUnit:
    code: str  # OKEI, three digits
    symbol: str  # the short name the XML carries (at most 13 characters)
    name: str


KILOGRAM = "166"

MEASURE_UNITS: tuple[MeasureUnit, ...] = (
    MeasureUnit("006", "М", "metre"),
    MeasureUnit("055", "М2", "square metre"),
    MeasureUnit("112", "Л", "litre"),
    MeasureUnit("113", "М3", "cubic metre"),
    MeasureUnit("163", "Г", "gram"),
    MeasureUnit(KILOGRAM, "КГ", "kilogram"),
    MeasureUnit("715", "ПАР", "pair"),
    MeasureUnit("796", "ШТ", "piece"),
)
MEASURE_UNIT_BY_CODE: dict[str, MeasureUnit] = {u.code: u for u in MEASURE_UNITS}

# Methods of determining customs value (EAEU Customs Code, articles 39 to 45).
VALUATION_METHODS: dict[int, str] = {
    1: "Transaction value of the imported goods",
    2: "Transaction value of identical goods",
    3: "Transaction value of similar goods",
    4: "Deductive value",
    5: "Computed value",
    6: "Fall-back method",
}

# Member states of the EAEU: a party registered in one of them carries that state's identifiers.
EAEU_MEMBER_STATES = frozenset({"AM", "BY", "KZ", "KG", "RU"})
