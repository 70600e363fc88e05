"""Validation of recognised values: identifiers, containers, units, currencies, dates and sums; messages in Russian."""

from __future__ import annotations

from recognition.validation import (
    check_container,
    check_date,
    check_required,
    check_sums,
    check_value,
    container_check_digit,
    unit_code,
)


def test_iso_6346_check_digit_of_the_standards_example() -> None:
    assert container_check_digit("CSQU305438") == 3
    assert check_container("CSQU3054383", "containers[0]") is None
    wrong = check_container("CSQU3054384", "containers[0]")
    assert wrong is not None and wrong.code == "container_check_digit" and wrong.message.startswith("Контейнер 1")


def test_inn_checksum_failure_is_named_in_russian_with_a_stable_code() -> None:
    assert check_value("seller_inn", "7707083893") is None
    bad = check_value("seller_inn", "7707083894")
    assert bad is not None
    assert bad.code == "inn_checksum"
    assert bad.message == "ИНН продавца: неверная контрольная сумма"
    assert str(bad) == "inn_checksum: ИНН продавца: неверная контрольная сумма"
    short = check_value("buyer_inn", "77070838")
    assert short is not None and short.code == "inn_format"


def test_kpp_currency_unit_and_date_checks() -> None:
    assert check_value("buyer_kpp", "770701001") is None
    assert check_value("buyer_kpp", "77070100") is not None
    assert check_value("currency", "CNY") is None
    unknown = check_value("currency", "CMY")
    assert unknown is not None and unknown.code == "currency_unknown"
    assert check_value("items[0].unit", "796") is None
    assert check_value("items[0].unit", "999") is not None
    assert check_date("2026-02-28", "date") is None
    invalid = check_date("2026-02-30", "date")
    assert invalid is not None and invalid.code == "date_invalid"


def test_units_are_known_in_three_languages_and_through_ocr_look_alikes() -> None:
    assert unit_code("шт") == unit_code("pcs") == unit_code("件") == "796"
    assert unit_code("кг") == unit_code("kg") == unit_code("Kr") == "166"  # "кг" read with Latin letters
    assert unit_code("пар") == "715"
    assert unit_code("bananas") is None


def test_line_items_must_add_up_to_the_subtotal_and_with_vat_to_the_total() -> None:
    good = {
        "items[0].quantity": "2",
        "items[0].unit_price": "10.50",
        "items[0].amount": "21.00",
        "items[1].quantity": "1.5",
        "items[1].unit_price": "4.00",
        "items[1].amount": "6.00",
        "subtotal": "27.00",
        "vat_rate": "20",
        "vat_amount": "5.40",
        "total": "32.40",
    }
    assert check_sums(good) == []
    codes = {p.code for p in check_sums(good | {"items[1].amount": "7.00"})}
    assert codes == {"item_amount", "items_sum"}
    assert [p.code for p in check_sums(good | {"total": "33.40"})] == ["total_mismatch"]
    assert [p.code for p in check_sums(good | {"vat_amount": "5.00", "total": "32.00"})] == ["vat_amount"]
    assert [p.code for p in check_sums({"gross_weight_kg": "10", "net_weight_kg": "12"})] == ["weight_mismatch"]


def test_required_fields_per_document_type() -> None:
    missing = check_required("cmr", {"number": "CMR-1", "sender": "A", "consignee": "B"})
    assert {p.field for p in missing} == {"place_of_loading", "place_of_delivery"}
    assert all(p.code == "missing_field" for p in missing)
