"""Extraction from lines of text, without OCR: numbers, dates, labels, look-alike letters, table rows."""

from __future__ import annotations

from recognition import Reading, interpret
from recognition.extraction import document_type_of, language_of, parse_decimal, tidy
from recognition.model import Line, Word


def line(text: str, row: int, confidence: float = 0.95) -> Line:
    words = tuple(
        Word(part, (0.05 + 0.05 * i, 0.05 + 0.03 * row, 0.09 + 0.05 * i, 0.07 + 0.03 * row), confidence)
        for i, part in enumerate(text.split())
    )
    return Line(1, words)


def reading(*texts: str, confidence: float = 0.95) -> Reading:
    lines = tuple(line(text, i, confidence) for i, text in enumerate(texts))
    return Reading(lines, "ru", "tesseract", 1, 0.0, 0.0)


def test_numbers_in_russian_english_and_chinese_writing() -> None:
    assert parse_decimal("10 628,80") == parse_decimal("10,628.80") == parse_decimal("10628.8")
    assert str(parse_decimal("127,271.04")) == "127271.04"
    assert str(parse_decimal("1 096,78")) == "1096.78"
    assert parse_decimal("12a") is None


def test_language_by_script_and_type_by_title() -> None:
    assert language_of("Продавец: ООО «Ромашка» INN") == "ru"
    assert language_of("Seller: Northwind Trading Ltd") == "en"
    assert language_of("卖方：深圳华盛贸易有限公司 INV-2026-0001") == "zh"
    titles = {
        "КОНОСАМЕНТ № 1": "bill_of_lading",
        "AIR WAYBILL 123-4567": "air_waybill",
        "装箱单": "packing_list",
        "CMR INTERNATIONAL CONSIGNMENT NOTE": "cmr",
        "КОММЕРЧЕСКИЙ ИНВОЙС № 5": "commercial_invoice",
        "Протокол разногласий": "unknown",
    }
    for title, kind in titles.items():
        assert document_type_of([line(title, 0)]) == kind, title


def test_chinese_values_lose_spaces_next_to_chinese_characters_only() -> None:
    assert tidy("莫斯科, 俄罗斯") == "莫斯科,俄罗斯"
    assert tidy("电力电缆 3x2.5") == "电力电缆3x2.5"
    assert tidy("Moscow,  Russia") == "Moscow, Russia"


def test_an_invoice_read_by_ocr_gives_normalised_fields_boxes_and_flags() -> None:
    recognition = interpret(
        reading(
            "КОММЕРЧЕСКИЙ ИНВОЙС Ne INV-2025-9982 от 28.05.2025",
            "Продавец: ООО «Ромашка»",
            "ИНН/КПП продавца: 7715723258/771501001",
            "Покупатель: ООО «Сибирь Трейд»",
            "ИНН/КПП покупателя: 5455452296/545501002",
            "Валюта: СМУ",
            "№ Наименование товара Кол-во Ед. Цена Сумма",
            "1 Кабель силовой ВВГ 3х2.5 46 м TT 339,02",
            "2 Фильтр масляный 292 Kr 36,40 10 628,80",
            "Итого без НДС: 10 967,82",
            "НДС 10%: 1 096,78",
            "Всего к оплате: 12 064,60",
        )
    )
    fields = {f.name: f for f in recognition.fields}
    assert recognition.document_type == "commercial_invoice"
    assert fields["number"].value == "INV-2025-9982"  # "№" read as "Ne"
    assert fields["date"].value == "2025-05-28"
    assert fields["seller_inn"].value == "7715723258" and not fields["seller_inn"].needs_verification
    # "CNY" read as Cyrillic "СМУ": turned Latin, corrected to the one common currency a letter away, flagged.
    assert fields["currency"].value == "CNY" and fields["currency"].needs_verification
    assert fields["items[0].description"].value == "Кабель силовой ВВГ 3x2.5"
    assert fields["items[0].unit"].value == "006"
    # The price OCR lost is worked out from amount / quantity and left to an operator to confirm.
    assert fields["items[0].unit_price"].value == "7.37" and fields["items[0].unit_price"].needs_verification
    assert fields["items[1].unit"].value == "166"
    assert fields["total"].value == "12064.60"
    assert recognition.problems == ()
    x0, y0, x1, y1 = fields["total"].box
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    assert fields["total"].page == 1


def test_a_wrong_checksum_or_a_sum_that_does_not_add_up_is_a_problem_and_flags_the_field() -> None:
    recognition = interpret(
        reading(
            "COMMERCIAL INVOICE",
            "Invoice No.: INV-2026-0001",
            "Date: 12 March 2026",
            "Seller: Northwind Trading Ltd",
            "Buyer: Romashka LLC",
            "Buyer INN/KPP: 7715723259/771501001",
            "Currency: USD",
            "No. Description of goods Qty Unit Unit price Amount",
            "1 Ball bearing 6204 10 pcs 2.00 20.00",
            "Subtotal: 20.00",
            "VAT 0%: 0.00",
            "Total: 25.00",
        )
    )
    assert "inn_checksum: ИНН покупателя: неверная контрольная сумма" in recognition.problems
    assert any(p.startswith("total_mismatch:") for p in recognition.problems)
    flagged = {f.name for f in recognition.fields if f.needs_verification}
    assert {"buyer_inn", "total"} <= flagged
    assert "seller" not in flagged


def test_low_confidence_flags_every_field_for_verification() -> None:
    recognition = interpret(
        reading(
            "CMR INTERNATIONAL CONSIGNMENT NOTE No. CMR-2026-00001",
            "Date: 1 June 2026",
            "Sender: Hanseatic Parts GmbH",
            "Consignee: Romashka LLC",
            "Place of loading: Hamburg, Germany",
            "Place of delivery: Moscow, Russia",
            "Containers: CSQU3054383, 0OLU 1234567",
            confidence=0.5,
        )
    )
    assert recognition.document_type == "cmr"
    assert recognition.value("containers[0]") == "CSQU3054383"
    assert recognition.value("place_of_delivery") == "Moscow, Russia"
    assert all(f.needs_verification for f in recognition.fields)


def test_a_page_of_text_that_is_no_known_document_says_so() -> None:
    recognition = interpret(reading("Протокол разногласий к договору", "Стороны договорились о нижеследующем"))
    assert recognition.document_type == "unknown"
    assert recognition.problems[0] == "unknown_type: Тип документа не распознан"
