"""A declaration prefilled from a verified invoice: what the lines become, what stays for the broker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from streams.customs.codes import INVOICE
from streams.customs.declaration import Declaration
from streams.customs.from_invoice import goods_items, invoice_document, item_id
from streams.customs.validation import validate_declaration
from streams.recognised import amount, lines, unit_code

INVOICE_FIELDS = {
    "number": "INV-2026-0415",
    "date": "2026-11-02",
    "currency": "usd",
    "items[1].description": "Stainless steel cooking pots, set of 3",
    "items[1].quantity": "420",
    "items[1].unit": "pcs",
    "items[1].unit_price": "7,50",
    "items[0].description": "Men's cotton T-shirts, knitted",
    "items[0].quantity": "1 000",
    "items[0].unit": "шт.",
    "items[0].amount": "1 750,00",
    "items[2].description": "",
    "items[2].amount": "3.00",
    "total": "4 900,00",
}

CODES = {"Men's cotton T-shirts, knitted": "6109100000"}


def test_lines_are_read_in_document_order_with_their_own_field_names() -> None:
    read = lines(INVOICE_FIELDS)
    assert [line.get("description") for line in read] == [
        "Men's cotton T-shirts, knitted",
        "Stainless steel cooking pots, set of 3",
        "",
    ]
    assert read[1] == {
        "description": "Stainless steel cooking pots, set of 3",
        "quantity": "420",
        "unit": "pcs",
        "unit_price": "7,50",
    }


def test_numbers_are_read_as_people_and_ocr_write_them() -> None:
    assert amount("1 234,56") == Decimal("1234.56")
    assert amount("1\u00a0234.56") == Decimal("1234.56")
    assert amount("1,234.56") == Decimal("1234.56")
    assert amount("1.234,56") == Decimal("1234.56")
    assert amount("3300") == Decimal("3300")
    assert amount("-12,5") == Decimal("-12.5")
    for unreadable in ("", "12 кг", "1.2.3", "abc", None):
        assert amount(unreadable) is None


def test_units_are_okei_codes_from_codes_or_names_in_any_of_the_languages() -> None:
    assert unit_code("796") == "796"
    assert [unit_code(name) for name in ("шт.", "PCS", "piece", "件")] == ["796"] * 4
    assert [unit_code(name) for name in ("кг", "KG", "kgs")] == ["166"] * 3
    assert unit_code("пар") == "715"
    assert unit_code("bundle") is None
    assert unit_code("") is None


def test_each_described_line_becomes_a_goods_item_with_value_currency_and_suggested_code() -> None:
    items = goods_items("doc-1", INVOICE_FIELDS, CODES.get, origin_country="cn")
    assert [item.item_id for item in items] == [item_id("doc-1", 1), item_id("doc-1", 2)]
    shirts, pots = items
    assert shirts.description == "Men's cotton T-shirts, knitted"
    assert shirts.commodity_code == "6109100000"
    assert (shirts.quantity, shirts.unit_code, shirts.invoice_value) == (Decimal("1000"), "796", Decimal("1750.00"))
    assert (shirts.currency, shirts.origin_country) == ("USD", "CN")
    # No amount on the line: quantity times the unit price. No suggestion: the code stays for the broker.
    assert pots.invoice_value == Decimal("3150.00")
    assert pots.commodity_code == ""
    # An invoice has no weights: they stay empty, and the declaration's validation names them.
    assert (pots.net_weight_kg, pots.gross_weight_kg) == (Decimal(0), Decimal(0))


def test_the_same_invoice_gives_the_same_item_ids_so_applying_it_twice_adds_nothing() -> None:
    first = goods_items("doc-1", INVOICE_FIELDS, CODES.get)
    again = goods_items("doc-1", INVOICE_FIELDS, CODES.get)
    assert [i.item_id for i in first] == [i.item_id for i in again]
    assert {i.item_id for i in goods_items("doc-2", INVOICE_FIELDS, CODES.get)}.isdisjoint(i.item_id for i in first)


def test_what_the_invoice_does_not_say_is_named_by_the_declarations_validation() -> None:
    items = goods_items("doc-1", INVOICE_FIELDS, CODES.get, origin_country="CN")
    declaration = Declaration(items=items)
    fields = {error.path for error in validate_declaration(declaration, date(2026, 11, 30))}
    assert "items[1].net_weight_kg" in fields
    assert "items[2].commodity_code" in fields
    assert "items[1].commodity_code" not in fields


def test_the_invoice_is_a_supporting_document_covering_its_items_when_number_and_date_are_known() -> None:
    document = invoice_document("doc-1", INVOICE_FIELDS, ("doc-1:1", "doc-1:2"))
    assert document is not None
    assert (document.type_code, document.number, document.issued_on) == (INVOICE, "INV-2026-0415", date(2026, 11, 2))
    assert document.item_ids == ("doc-1:1", "doc-1:2")
    assert invoice_document("doc-1", {**INVOICE_FIELDS, "date": "02.11.2026"}, ()) is None
    assert invoice_document("doc-1", {**INVOICE_FIELDS, "number": " "}, ()) is None
