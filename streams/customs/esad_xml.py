"""The declaration as an FTS ESADout_CU 5.23.0 XML document (electronic goods declaration, mode 1006107E).

`export_declaration` first validates the declaration in its own terms (`validation.validate_declaration`);
with any error it returns the errors and no XML. Otherwise it builds the document with lxml, checks it
against `ESADout_CU.xsd` (loaded once per process and cached) and, should the schema still refuse it,
maps each schema error's XPath back to the declaration field it came from. Pure apart from reading the
shipped XSD: the document id and creation time come in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from streams.customs.calculation import PaymentCalculation, PaymentLine, RateCombination, RatePart
from streams.customs.codes import (
    DOCUMENT_TYPE_BY_CODE,
    MEASURE_UNIT_BY_CODE,
    NO_PRECEDING_PROCEDURE,
    PROCEDURE_BY_CODE,
)
from streams.customs.compliance import DEFAULT_COMPLIANCE_RULES, ComplianceRules
from streams.customs.declaration import (
    CustomsRepresentative,
    Declaration,
    FieldError,
    GoodsItem,
    Party,
    SupportingDocument,
    Transport,
)
from streams.customs.validation import validate_declaration

SCHEMA_PATH = Path(__file__).parent / "data" / "fts-esadout-5.23.0" / "ESADout_CU.xsd"
DOCUMENT_MODE_ID = "1006107E"  # the FTS format code of ESADout_CU
EDOC_CODE = "R.036"  # the structure code the header carries; matches the schema's pattern
RECIPIENT_COUNTRY = "RU"
ELECTRONIC_DECLARATION = "ЭД"
NO_TRANSFER_FEATURE = "000"  # box 37, third element: no special feature of the movement
DESCRIPTION_LINE = 250  # GoodsDescription is at most 4 lines of 250 characters
AD_VALOREM_RATE, SPECIFIC_RATE = "%", "*"  # box 47 rate type letters, as the XSD's RateTypeCode documents them
GREATER_APPLIES = "2"  # ComparisonOperationsSign: 1 less, 2 greater; "but not less than" takes the greater
PLUS_SIGN = "+"

NS = {
    "ESADout_CU": "urn:customs.ru:Information:CustomsDocuments:ESADout_CU:5.23.0",
    "cat_ru": "urn:customs.ru:CommonAggregateTypes:5.22.0",
    "catESAD_cu": "urn:customs.ru:CUESADCommonAggregateTypesCust:5.22.0",
    "RUScat_ru": "urn:customs.ru:RUSCommonAggregateTypes:5.22.0",
    "RUDECLcat": "urn:customs.ru:RUDeclCommonAggregateTypesCust:5.23.0",
}
# ISO 4217 numeric codes for the currencies payments and specific rates are commonly stated in.
CURRENCY_NUMERIC = {
    "RUB": "643",
    "EUR": "978",
    "USD": "840",
    "CNY": "156",
    "JPY": "392",
    "GBP": "826",
    "CHF": "756",
    "KZT": "398",
    "BYN": "933",
    "TRY": "949",
    "INR": "356",
    "AED": "784",
}


@dataclass(frozen=True)
class ExportResult:
    xml: bytes | None  # the document, UTF-8; None when there are errors
    errors: tuple[FieldError, ...]


@cache
def esad_schema() -> etree.XMLSchema:
    """The ESADout_CU schema, parsed once per process (parsing costs far more than validating)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _add(parent: etree._Element, prefix: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(prefix, name))
    if text is not None:
        element.text = text
    return element


def _add_if(parent: etree._Element, prefix: str, name: str, text: str | None) -> None:
    if text:
        _add(parent, prefix, name, text)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _party(parent: etree._Element, name: str, party: Party) -> etree._Element:
    element = _add(parent, "ESADout_CU", name)
    _add(element, "cat_ru", "OrganizationName", party.name[:150])
    if party.country_code == "RU":
        features = _add(element, "cat_ru", "RFOrganizationFeatures")
        _add_if(features, "cat_ru", "OGRN", party.ogrn)
        _add_if(features, "cat_ru", "INN", party.inn)
        _add_if(features, "cat_ru", "KPP", party.kpp)
    _add(element, "RUScat_ru", "CountryA2Code", party.country_code)
    if party.foreign_registration_number:
        uitn = _add(element, "RUScat_ru", "UITN")
        _add(uitn, "RUScat_ru", "UITNCode", party.foreign_registration_number)
        _add(uitn, "RUScat_ru", "CountryCode", party.country_code)
    address = _add(element, "RUScat_ru", "SubjectAddressDetails")
    _add(address, "RUScat_ru", "AddressKindCode", "1")  # registered address
    _add_if(address, "RUScat_ru", "PostalCode", party.address.postal_code)
    _add(address, "RUScat_ru", "CountryCode", party.country_code)
    _add_if(address, "RUScat_ru", "Region", party.address.region)
    _add(address, "RUScat_ru", "City", party.address.city)
    _add_if(address, "RUScat_ru", "StreetHouse", party.address.street)
    return element


def _financially_responsible(parent: etree._Element, declaration: Declaration, declarant: Party) -> None:
    """Box 9: the person settling the contract, or the declarant with the flag ("see box 14")."""
    person = declaration.financially_responsible or declarant
    element = _party(parent, "ESADout_CUFinancialAdjustingResponsiblePerson", person)
    if declaration.financially_responsible is None:
        _add(element, "ESADout_CU", "DeclarantEqualFlag", "true")


def _transport_means(parent: etree._Element, name: str, mode: str, transport: Transport) -> None:
    element = _add(parent, "ESADout_CU", name)
    _add(element, "cat_ru", "TransportModeCode", mode)
    _add_if(element, "cat_ru", "TransportNationalityCode", transport.nationality_code)
    if transport.vehicle_ids:
        _add(element, "ESADout_CU", "TransportMeansQuantity", str(len(transport.vehicle_ids)))
    for vehicle_id in transport.vehicle_ids:
        means = _add(element, "ESADout_CU", "RUTransportMeans")
        _add(means, "cat_ru", "TransportIdentifier", vehicle_id)
        _add_if(means, "cat_ru", "TransportMeansNationalityCode", transport.nationality_code)


def _consignment(parent: etree._Element, declaration: Declaration, transport: Transport) -> None:
    element = _add(parent, "ESADout_CU", "ESADout_CUConsigment")
    _add(element, "catESAD_cu", "ContainerIndicator", "true" if transport.container else "false")
    _add_if(element, "catESAD_cu", "DispatchCountryCode", declaration.header.dispatch_country)
    _add_if(element, "catESAD_cu", "DestinationCountryCode", declaration.header.destination_country)
    if transport.border_customs_office:
        office = _add(element, "catESAD_cu", "BorderCustomsOffice")
        _add(office, "cat_ru", "Code", transport.border_customs_office)
    if transport.inland_mode_code:
        _transport_means(element, "ESADout_CUDepartureArrivalTransport", transport.inland_mode_code, transport)
    _transport_means(element, "ESADout_CUBorderTransport", transport.mode_code, transport)


def _contract_terms(parent: etree._Element, declaration: Declaration) -> None:
    header = declaration.header
    currencies = {item.currency for item in declaration.items}
    element = _add(parent, "ESADout_CU", "ESADout_CUMainContractTerms")
    if len(currencies) == 1:
        (currency,) = currencies
        _add(element, "catESAD_cu", "ContractCurrencyCode", currency)
        total = sum((item.invoice_value for item in declaration.items), Decimal(0))
        _add(element, "catESAD_cu", "TotalInvoiceAmount", _amount(total))
    _add_if(element, "catESAD_cu", "TradeCountryCode", header.trading_country)
    if header.delivery_terms:
        terms = _add(element, "catESAD_cu", "CUESADDeliveryTerms")
        _add_if(terms, "cat_ru", "DeliveryPlace", (header.delivery_place or "")[:50] or None)
        _add(terms, "cat_ru", "DeliveryTermsStringCode", header.delivery_terms)


def _description_lines(description: str) -> Iterable[str]:
    text = " ".join(description.split())
    return (text[i : i + DESCRIPTION_LINE] for i in range(0, min(len(text), 4 * DESCRIPTION_LINE), DESCRIPTION_LINE))


def _presented_document(parent: etree._Element, document: SupportingDocument) -> None:
    element = _add(parent, "ESADout_CU", "ESADout_CUPresentedDocument")
    known = DOCUMENT_TYPE_BY_CODE.get(document.type_code)
    _add_if(element, "cat_ru", "PrDocumentName", known.name if known else None)
    _add(element, "cat_ru", "PrDocumentNumber", document.number)
    _add(element, "cat_ru", "PrDocumentDate", document.issued_on.isoformat())
    _add(element, "catESAD_cu", "PresentedDocumentModeCode", document.type_code)
    if document.expires_on is not None:
        _add(element, "catESAD_cu", "DocumentEndActionsDate", document.expires_on.isoformat())


def _payment_calculation(parent: etree._Element, line: PaymentLine, on: date) -> None:
    element = _add(parent, "ESADout_CU", "ESADout_CUCustomsPaymentCalculation")
    _add(element, "catESAD_cu", "PaymentModeCode", line.payment_code)
    _add(element, "catESAD_cu", "PaymentAmount", _amount(line.amount))
    _add(element, "catESAD_cu", "PaymentCurrencyCode", CURRENCY_NUMERIC["RUB"])
    _add(element, "catESAD_cu", "TaxBase", _quantity(line.tax_base))
    if line.rate_parts:
        _rate_columns(element, line.rate_parts, line.combination)
    elif line.rate_percent is not None:
        _add(element, "catESAD_cu", "TaxBaseCurrencyCode", CURRENCY_NUMERIC["RUB"])
        _add(element, "catESAD_cu", "Rate", _quantity(line.rate_percent))
        _add(element, "catESAD_cu", "RateTypeCode", AD_VALOREM_RATE)
    _add(element, "catESAD_cu", "RateUseDate", on.isoformat())


def _rate_part(parent: etree._Element, part: RatePart, suffix: str) -> None:
    """Rate{suffix}, its type and, for a specific rate, its currency and unit (box 47's rate column)."""
    _add(parent, "catESAD_cu", f"Rate{suffix}", _quantity(part.value))
    _add(parent, "catESAD_cu", f"RateTypeCode{suffix}", AD_VALOREM_RATE if part.ad_valorem else SPECIFIC_RATE)
    if not part.ad_valorem:
        currency = CURRENCY_NUMERIC.get(part.currency or "")
        _add_if(parent, "catESAD_cu", f"RateCurrencyCode{suffix}", currency)
        _add_if(parent, "catESAD_cu", f"RateTNVEDQualifierCode{suffix}", part.unit_code)


def _rate_columns(parent: etree._Element, parts: tuple[RatePart, ...], combination: RateCombination | None) -> None:
    """The rate of a duty line: one part, or two combined.

    The schema orders Rate, ComparisonOperationsSign, Rate2, OperationsSign, Rate3: "X% but not less
    than Y" is Rate, sign 2 (the greater applies), Rate2; "X% plus Y" is Rate, operation "+", Rate3.
    """
    first, *rest = parts
    if first.ad_valorem:  # the line's tax base is the customs value in roubles
        _add(parent, "catESAD_cu", "TaxBaseCurrencyCode", CURRENCY_NUMERIC["RUB"])
    _rate_part(parent, first, "")
    if not rest:
        return
    if combination is RateCombination.NOT_LESS_THAN:
        _add(parent, "catESAD_cu", "ComparisonOperationsSign", GREATER_APPLIES)
        _rate_part(parent, rest[0], "2")
    else:
        _add(parent, "catESAD_cu", "OperationsSign", PLUS_SIGN)
        _rate_part(parent, rest[0], "3")


def _goods_item(
    parent: etree._Element,
    number: int,
    item: GoodsItem,
    declaration: Declaration,
    calculation: PaymentCalculation | None,
) -> None:
    element = _add(parent, "ESADout_CU", "ESADout_CUGoods")
    _add(element, "catESAD_cu", "GoodsNumeric", str(number))
    for text in _description_lines(item.description):
        _add(element, "catESAD_cu", "GoodsDescription", text)
    _add(element, "catESAD_cu", "GrossWeightQuantity", _quantity(item.gross_weight_kg))
    _add(element, "catESAD_cu", "NetWeightQuantity", _quantity(item.net_weight_kg))
    _add(element, "catESAD_cu", "InvoicedCost", _amount(item.invoice_value))
    _add(element, "catESAD_cu", "InvoicedCurrencyCode", item.currency)
    item_calculation = calculation.items[number - 1] if calculation is not None else None
    if item_calculation is not None:
        rate = item_calculation.customs_value / item.invoice_value
        _add(element, "catESAD_cu", "InvoicedCurrencyRate", f"{rate:.4f}")
        _add(element, "catESAD_cu", "CustomsCost", _amount(item_calculation.customs_value))
    _add(element, "catESAD_cu", "GoodsTNVEDCode", item.commodity_code)
    _add(element, "catESAD_cu", "OriginCountryCode", item.origin_country)
    _add(element, "catESAD_cu", "CustomsCostCorrectMethod", str(item.valuation_method))
    if item.preference_code:
        code = item.preference_code
        preference = _add(element, "catESAD_cu", "Preferencii")
        _add(preference, "catESAD_cu", "CustomsTax", code[0:2])
        _add(preference, "catESAD_cu", "CustomsDuty", code[2:4])
        _add(preference, "catESAD_cu", "Excise", code[4])
        _add(preference, "catESAD_cu", "Rate", code[5:7])
    for document in declaration.documents:
        if not document.item_ids or item.item_id in document.item_ids:
            _presented_document(element, document)
    if item_calculation is not None and calculation is not None:
        for line in item_calculation.payments:
            _payment_calculation(element, line, calculation.declaration_date)
    supplementary = _add(element, "ESADout_CU", "SupplementaryGoodsQuantity")
    _add(supplementary, "cat_ru", "GoodsQuantity", _quantity(item.quantity))
    unit = MEASURE_UNIT_BY_CODE.get(item.unit_code)
    _add_if(supplementary, "cat_ru", "MeasureUnitQualifierName", unit.symbol if unit else None)
    _add(supplementary, "cat_ru", "MeasureUnitQualifierCode", item.unit_code)
    procedure = _add(element, "ESADout_CU", "ESADCustomsProcedure")
    _add(procedure, "catESAD_cu", "MainCustomsModeCode", declaration.header.procedure_code)
    _add(procedure, "catESAD_cu", "PrecedingCustomsModeCode", NO_PRECEDING_PROCEDURE)
    _add(procedure, "catESAD_cu", "GoodsTransferFeature", NO_TRANSFER_FEATURE)


def _payments(parent: etree._Element, calculation: PaymentCalculation) -> None:
    element = _add(parent, "ESADout_CU", "ESADout_CUPayments")
    for code, total in sorted(calculation.totals.items()):
        payment = _add(element, "ESADout_CU", "ESADout_CUCustomsPayment")
        _add(payment, "catESAD_cu", "PaymentModeCode", code)
        _add(payment, "catESAD_cu", "PaymentAmount", _amount(total))
        _add(payment, "catESAD_cu", "PaymentCurrencyCode", CURRENCY_NUMERIC["RUB"])


def _representative(parent: etree._Element, representative: CustomsRepresentative) -> None:
    element = _add(parent, "ESADout_CU", "CUESADCustomsRepresentative")
    registry = _add(element, "RUDECLcat", "BrokerRegistryDocDetails")
    _add(registry, "RUDECLcat", "RegistrationNumberId", representative.registry_number)
    contract = _add(element, "RUDECLcat", "RepresentativeContractDetails")
    _add(contract, "cat_ru", "PrDocumentNumber", representative.contract_number)
    _add(contract, "cat_ru", "PrDocumentDate", representative.contract_date.isoformat())


def build_document(
    declaration: Declaration,
    document_id: str,
    created_at: datetime,
    calculation: PaymentCalculation | None = None,
) -> etree._Element:
    """The ESADout_CU element tree of a declaration that has passed field validation."""
    if declaration.declarant is None or declaration.transport is None:
        raise ValueError("validate the declaration before building its XML")
    procedure = PROCEDURE_BY_CODE[declaration.header.procedure_code]
    root = etree.Element(_q("ESADout_CU", "ESADout_CU"), nsmap=NS)
    root.set("DocumentModeID", DOCUMENT_MODE_ID)
    _add(root, "cat_ru", "DocumentID", document_id)
    header_info = _add(root, "ESADout_CU", "EECEDocHeaderAddInfo")
    _add(header_info, "RUScat_ru", "EDocCode", EDOC_CODE)
    _add(header_info, "RUScat_ru", "EDocDateTime", created_at.isoformat(timespec="seconds"))
    _add(root, "ESADout_CU", "CustomsProcedure", procedure.direction.value)
    _add(root, "ESADout_CU", "CustomsModeCode", procedure.code)
    _add(root, "ESADout_CU", "ElectronicDocumentSign", ELECTRONIC_DECLARATION)
    _add(root, "ESADout_CU", "RecipientCountryCode", RECIPIENT_COUNTRY)
    shipment = _add(root, "ESADout_CU", "ESADout_CUGoodsShipment")
    _add(shipment, "catESAD_cu", "TotalGoodsNumber", str(len(declaration.items)))
    if calculation is not None:
        _add(shipment, "catESAD_cu", "TotalCustCost", _amount(calculation.total_customs_value))
        _add(shipment, "catESAD_cu", "CustCostCurrencyCode", "RUB")
    if declaration.consignor is not None:
        _party(shipment, "ESADout_CUConsignor", declaration.consignor)
    if declaration.consignee is not None:
        _party(shipment, "ESADout_CUConsignee", declaration.consignee)
    _financially_responsible(shipment, declaration, declaration.declarant)
    _party(shipment, "ESADout_CUDeclarant", declaration.declarant)
    _consignment(shipment, declaration, declaration.transport)
    _contract_terms(shipment, declaration)
    for number, item in enumerate(declaration.items, start=1):
        _goods_item(shipment, number, item, declaration, calculation)
    if calculation is not None:
        _payments(shipment, calculation)
    if declaration.customs_representative is not None:
        _representative(root, declaration.customs_representative)
    return root


# Mapping schema errors back to declaration fields ------------------------------------------------------

_CONTAINERS = {
    "ESADout_CUConsignor": "consignor",
    "ESADout_CUConsignee": "consignee",
    "ESADout_CUFinancialAdjustingResponsiblePerson": "financially_responsible",
    "ESADout_CUDeclarant": "declarant",
    "CUESADCustomsRepresentative": "customs_representative",
    "ESADout_CUConsigment": "transport",
    "ESADout_CUMainContractTerms": "header",
    "ESADout_CUPayments": "payments",
}
_FIELDS = {
    "OrganizationName": "name",
    "INN": "inn",
    "KPP": "kpp",
    "OGRN": "ogrn",
    "CountryA2Code": "country_code",
    "UITNCode": "foreign_registration_number",
    "PostalCode": "address.postal_code",
    "Region": "address.region",
    "City": "address.city",
    "StreetHouse": "address.street",
    "GoodsDescription": "description",
    "GoodsTNVEDCode": "commodity_code",
    "OriginCountryCode": "origin_country",
    "GrossWeightQuantity": "gross_weight_kg",
    "NetWeightQuantity": "net_weight_kg",
    "InvoicedCost": "invoice_value",
    "InvoicedCurrencyCode": "currency",
    "CustomsCostCorrectMethod": "valuation_method",
    "Preferencii": "preference_code",
    "GoodsQuantity": "quantity",
    "MeasureUnitQualifierCode": "unit_code",
    "PresentedDocumentModeCode": "documents.type_code",
    "PrDocumentNumber": "documents.number",
    "TransportModeCode": "mode_code",
    "TransportNationalityCode": "nationality_code",
    "TransportIdentifier": "vehicle_ids",
    "Code": "border_customs_office",
    "RegistrationNumberId": "registry_number",
}
# Elements whose field lives in the header wherever they sit in the document.
_HEADER_FIELDS = {
    "CustomsModeCode": "header.procedure_code",
    "DispatchCountryCode": "header.dispatch_country",
    "DestinationCountryCode": "header.destination_country",
    "TradeCountryCode": "header.trading_country",
    "DeliveryTermsStringCode": "header.delivery_terms",
    "DeliveryPlace": "header.delivery_place",
}
_STEP = re.compile(r"(?:[\w]+:)?(?P<name>\w+)(?:\[(?P<index>\d+)\])?")


def field_for_xpath(xpath: str) -> str:
    """The declaration field an element of the document came from, e.g. `items[3].commodity_code`."""
    steps = [m for step in xpath.strip("/").split("/") if (m := _STEP.fullmatch(step))]
    names = [m.group("name") for m in steps]
    for name in reversed(names):
        if name in _HEADER_FIELDS:
            return _HEADER_FIELDS[name]
    container: str | None = None
    for match in steps:
        name = match.group("name")
        if name == "ESADout_CUGoods":
            container = f"items[{match.group('index') or 1}]"
        elif name in _CONTAINERS and container is None:
            container = _CONTAINERS[name]
    leaf = next((_FIELDS[name] for name in reversed(names) if name in _FIELDS), None)
    if container is None:
        return leaf or xpath
    return f"{container}.{leaf}" if leaf else container


def xsd_errors(document: etree._Element) -> tuple[FieldError, ...]:
    """The schema's complaints about a document, each named by the declaration field it maps to."""
    schema = esad_schema()
    if schema.validate(document):
        return ()
    return tuple(
        FieldError(field_for_xpath(entry.path or ""), f"{field_for_xpath(entry.path or '')}: {entry.message}")
        for entry in schema.error_log
    )


def export_declaration(
    declaration: Declaration,
    *,
    document_id: str,
    created_at: datetime,
    on: date,
    calculation: PaymentCalculation | None = None,
    rules: ComplianceRules = DEFAULT_COMPLIANCE_RULES,
) -> ExportResult:
    """Validate, build and schema-check the ESADout_CU document of a declaration, judged on `on`."""
    errors = validate_declaration(declaration, on, rules)
    if errors:
        return ExportResult(None, errors)
    document = build_document(declaration, document_id, created_at, calculation)
    schema_errors = xsd_errors(document)
    if schema_errors:
        return ExportResult(None, schema_errors)
    return ExportResult(etree.tostring(document, xml_declaration=True, encoding="UTF-8"), ())
