"""Export to FTS ESADout_CU 5.23.0: a full declaration validates against the XSD; gaps give field errors."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from streams.customs.calculation import calculate_payments
from streams.customs.declaration import Address, Declaration
from streams.customs.duty_tables import DutyKind, DutyRate, TariffTables
from streams.customs.esad_xml import (
    NS,
    ExportResult,
    build_document,
    esad_schema,
    export_declaration,
    field_for_xpath,
    xsd_errors,
)
from streams.customs.examples import EXAMPLE_DATE, SUPPLIER, example_declaration, example_tariff_tables
from streams.customs.validation import validate_declaration

DOCUMENT_ID = "0b6f4c1e-7d2a-4e0b-9a51-3c2d7e8f9a10"
CREATED_AT = datetime(2025, 3, 17, 10, 0, tzinfo=UTC)


def export(declaration: Declaration, with_payments: bool = True) -> ExportResult:
    calculation = calculate_payments(declaration, example_tariff_tables(), EXAMPLE_DATE) if with_payments else None
    return export_declaration(
        declaration, document_id=DOCUMENT_ID, created_at=CREATED_AT, on=EXAMPLE_DATE, calculation=calculation
    )


def test_a_full_declaration_exports_to_xml_the_schema_accepts() -> None:
    declaration = example_declaration(6)
    result = export(declaration)
    assert result.errors == ()
    assert result.xml is not None
    document = etree.fromstring(result.xml)
    assert esad_schema().validate(document), esad_schema().error_log
    # Key values at the right places.
    assert document.get("DocumentModeID") == "1006107E"
    assert document.findtext("cat_ru:DocumentID", namespaces=NS) == DOCUMENT_ID
    assert document.findtext("ESADout_CU:CustomsProcedure", namespaces=NS) == "ИМ"
    assert document.findtext("ESADout_CU:CustomsModeCode", namespaces=NS) == "40"
    shipment = "ESADout_CU:ESADout_CUGoodsShipment"
    consignee_inn = document.findtext(
        f"{shipment}/ESADout_CU:ESADout_CUConsignee/cat_ru:RFOrganizationFeatures/cat_ru:INN", namespaces=NS
    )
    assert consignee_inn == "7704123450"
    goods = document.findall(f"{shipment}/ESADout_CU:ESADout_CUGoods", namespaces=NS)
    assert len(goods) == 6
    assert [g.findtext("catESAD_cu:GoodsTNVEDCode", namespaces=NS) for g in goods] == [
        item.commodity_code for item in declaration.items
    ]
    assert goods[1].findtext("catESAD_cu:GoodsNumeric", namespaces=NS) == "2"
    assert goods[0].findtext("catESAD_cu:InvoicedCost", namespaces=NS) == "12400.00"
    # 12400.00 USD * 86.8389 (the rate dated 15 March, in force on the 17th) = 1076802.36 RUB
    assert goods[0].findtext("catESAD_cu:CustomsCost", namespaces=NS) == "1076802.36"
    document_codes = {
        d.findtext("catESAD_cu:PresentedDocumentModeCode", namespaces=NS)
        for d in goods[0].findall("ESADout_CU:ESADout_CUPresentedDocument", namespaces=NS)
    }
    assert {"04021", "03011", "01191"} <= document_codes
    payments = {
        p.findtext("catESAD_cu:PaymentModeCode", namespaces=NS): p.findtext("catESAD_cu:PaymentAmount", namespaces=NS)
        for p in document.findall(f"{shipment}/ESADout_CU:ESADout_CUPayments/ESADout_CU:ESADout_CUCustomsPayment", NS)
    }
    assert payments["1010"] == "12000.00"
    registry = document.findtext(
        "ESADout_CU:CUESADCustomsRepresentative/RUDECLcat:BrokerRegistryDocDetails/RUDECLcat:RegistrationNumberId",
        namespaces=NS,
    )
    assert registry == "1234/00"


def test_export_without_a_calculation_is_valid_too() -> None:
    result = export(example_declaration(1), with_payments=False)
    assert result.errors == () and result.xml is not None


def test_a_declaration_with_gaps_gets_field_errors_and_no_xml() -> None:
    full = example_declaration(3)
    broken_item = replace(full.items[2], commodity_code="84713")
    foreign_consignee = replace(full.consignee, inn=None, kpp=None)
    declaration = replace(
        full,
        items=(full.items[0], full.items[1], broken_item),
        consignee=foreign_consignee,
        documents=tuple(d for d in full.documents if d.type_code != "04021"),
    )
    result = export(declaration, with_payments=False)
    assert result.xml is None
    messages = {(e.path, e.message) for e in result.errors}
    assert ("items[3].commodity_code", "item 3: commodity code must be 10 digits") in messages
    assert ("consignee.inn", "consignee: INN is required for a Russian consignee") in messages
    # The absent invoice is reported once, by its box (44) with the filling rule's words.
    [invoice] = [message for path, message in messages if path == "documents"]
    assert invoice.startswith("box 44 is empty") and "commercial invoice, code 04021" in invoice


def test_validation_checks_russian_identifiers() -> None:
    full = example_declaration(1)
    bad = replace(full, declarant=replace(full.declarant, inn="7704123459"), consignor=None)
    paths = {e.path for e in validate_declaration(bad, EXAMPLE_DATE)}
    assert "declarant.inn" in paths
    # An import needs a consignor (box 2) as much as a consignee (box 8).
    assert "consignor" in paths
    no_consignee = replace(full, consignee=None)
    assert "consignee" in {e.path for e in validate_declaration(no_consignee, EXAMPLE_DATE)}


def test_schema_errors_map_back_to_declaration_fields() -> None:
    declaration = example_declaration(2)
    document = build_document(declaration, DOCUMENT_ID, CREATED_AT)
    # Break values the field validation would have caught, to see the schema's complaint mapped back.
    code = document.findall(".//catESAD_cu:GoodsTNVEDCode", NS)[1]
    code.text = "84AB"
    city = document.find(".//ESADout_CU:ESADout_CUConsignor/RUScat_ru:SubjectAddressDetails/RUScat_ru:City", NS)
    city.text = "x" * 200
    paths = {error.path for error in xsd_errors(document)}
    assert paths == {"items[2].commodity_code", "consignor.address.city"}


def test_xpath_mapping_names_header_fields() -> None:
    assert field_for_xpath("/ESADout_CU:ESADout_CU/ESADout_CU:CustomsModeCode") == "header.procedure_code"
    assert (
        field_for_xpath(
            "/ESADout_CU:ESADout_CU/ESADout_CU:ESADout_CUGoodsShipment/ESADout_CU:ESADout_CUConsigment/"
            "catESAD_cu:DispatchCountryCode"
        )
        == "header.dispatch_country"
    )


def test_long_descriptions_are_split_into_lines_of_250() -> None:
    declaration = example_declaration(1)
    long_item = replace(declaration.items[0], description="Portable computer " * 40)
    declaration = replace(
        declaration, items=(long_item,), consignee=replace(declaration.consignee, address=Address("Moscow"))
    )
    result = export(declaration)
    assert result.errors == ()
    lines = etree.fromstring(result.xml).findall(".//catESAD_cu:GoodsDescription", NS)
    assert len(lines) == 3 and all(len(line.text) <= 250 for line in lines)


def duty_line(document: etree._Element, item_number: int) -> dict[str, str]:
    """The 2010 (import duty) payment line of a goods item as element name -> text."""
    goods = document.findall("ESADout_CU:ESADout_CUGoodsShipment/ESADout_CU:ESADout_CUGoods", NS)[item_number - 1]
    for line in goods.findall("ESADout_CU:ESADout_CUCustomsPaymentCalculation", NS):
        if line.findtext("catESAD_cu:PaymentModeCode", namespaces=NS) == "2010":
            return {etree.QName(child).localname: child.text or "" for child in line}
    raise AssertionError(f"item {item_number} has no 2010 line")


def exported_with(tables: TariffTables, declaration: Declaration) -> etree._Element:
    calculation = calculate_payments(declaration, tables, EXAMPLE_DATE)
    result = export_declaration(
        declaration, document_id=DOCUMENT_ID, created_at=CREATED_AT, on=EXAMPLE_DATE, calculation=calculation
    )
    assert result.errors == () and result.xml is not None, result.errors
    document = etree.fromstring(result.xml)
    assert esad_schema().validate(document), esad_schema().error_log
    return document


def test_a_combined_rate_not_less_than_carries_both_parts_and_the_comparison() -> None:
    # Item 2, T-shirts 6109: 10% but not less than 0.3 EUR/kg (the example tariff).
    line = duty_line(exported_with(example_tariff_tables(), example_declaration(2)), 2)
    assert (line["Rate"], line["RateTypeCode"], line["TaxBaseCurrencyCode"]) == ("10", "%", "643")
    assert line["ComparisonOperationsSign"] == "2"  # the greater of the two applies
    assert (line["Rate2"], line["RateTypeCode2"], line["RateCurrencyCode2"], line["RateTNVEDQualifierCode2"]) == (
        "0.3", "*", "978", "166",
    )  # fmt: skip
    assert "Rate3" not in line and "OperationsSign" not in line


def test_a_rate_plus_a_specific_amount_and_a_specific_rate_carry_their_parts() -> None:
    tables = example_tariff_tables()
    plus = DutyRate("6109", date(2024, 1, 1), None, DutyKind.AD_VALOREM_PLUS_SPECIFIC, Decimal(5), Decimal("0.2"))
    specific = DutyRate("7323", date(2024, 1, 1), None, DutyKind.SPECIFIC, specific_amount=Decimal("0.5"))
    changed = replace(tables, duty_rates=(*[r for r in tables.duty_rates if r.code_prefix != "6109"], plus, specific))
    document = exported_with(changed, example_declaration(5))
    added = duty_line(document, 2)
    assert (added["Rate"], added["RateTypeCode"], added["OperationsSign"]) == ("5", "%", "+")
    assert (added["Rate3"], added["RateTypeCode3"], added["RateCurrencyCode3"], added["RateTNVEDQualifierCode3"]) == (
        "0.2", "*", "978", "166",
    )  # fmt: skip
    per_kg = duty_line(document, 5)  # 7323 cooking pots: 0.5 EUR/kg
    assert (per_kg["Rate"], per_kg["RateTypeCode"], per_kg["RateCurrencyCode"], per_kg["RateTNVEDQualifierCode"]) == (
        "0.5", "*", "978", "166",
    )  # fmt: skip
    plain = duty_line(document, 4)  # 9503 toys: 7.5% as before
    assert (plain["Rate"], plain["RateTypeCode"]) == ("7.5", "%") and "Rate2" not in plain


def test_box_9_is_exported_as_the_declarant_unless_another_person_settles() -> None:
    shipment = "ESADout_CU:ESADout_CUGoodsShipment/ESADout_CU:ESADout_CUFinancialAdjustingResponsiblePerson"
    document = exported_with(example_tariff_tables(), example_declaration(1))
    person = document.find(shipment, NS)
    assert person is not None and person.findtext("ESADout_CU:DeclarantEqualFlag", namespaces=NS) == "true"
    other = replace(example_declaration(1), financially_responsible=SUPPLIER)
    person = exported_with(example_tariff_tables(), other).find(shipment, NS)
    assert person is not None and person.findtext("cat_ru:OrganizationName", namespaces=NS) == SUPPLIER.name
    assert person.find("ESADout_CU:DeclarantEqualFlag", NS) is None
