"""Checks of recognised values: INN/KPP checksums, sums of line items, real dates, known currencies, units, containers.

Each failure is a `Problem` with a stable code and a message in Russian naming the field as an operator
knows it. The identifier and currency rules are the platform's own (streams.company.identifiers, streams.money).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from recognition.model import Problem
from streams.company import identifiers
from streams.money import currency

DATA_DIR = Path(__file__).parent / "data"
CONTAINER = re.compile(r"[A-Z]{3}[UJZ]\d{7}")
# Russian names of fields for messages; line items are named by their row.
FIELD_NAMES = {
    "number": "Номер документа",
    "date": "Дата",
    "seller": "Продавец",
    "seller_inn": "ИНН продавца",
    "seller_kpp": "КПП продавца",
    "buyer": "Покупатель",
    "buyer_inn": "ИНН покупателя",
    "buyer_kpp": "КПП покупателя",
    "currency": "Валюта",
    "subtotal": "Итого без НДС",
    "vat_rate": "Ставка НДС",
    "vat_amount": "Сумма НДС",
    "total": "Всего к оплате",
    "packages": "Количество мест",
    "gross_weight_kg": "Вес брутто",
    "net_weight_kg": "Вес нетто",
    "sender": "Отправитель",
    "consignee": "Получатель",
    "place_of_loading": "Место погрузки",
    "place_of_delivery": "Место доставки",
}
ITEM_PARTS = {
    "description": "наименование",
    "quantity": "количество",
    "unit": "единица измерения",
    "unit_price": "цена",
    "amount": "сумма",
}
ITEM_FIELD = re.compile(r"(items|containers)\[(\d+)\](?:\.(\w+))?")


def field_title(name: str) -> str:
    found = ITEM_FIELD.fullmatch(name)
    if found is None:
        return FIELD_NAMES.get(name, name)
    if found.group(1) == "containers":
        return f"Контейнер {int(found.group(2)) + 1}"
    return f"Строка {int(found.group(2)) + 1}, {ITEM_PARTS.get(found.group(3) or '', found.group(3) or '')}"


def problem(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, f"{field_title(field)}: {message}" if field else message)


# --- single values ---------------------------------------------------------------------------------------------


def check_inn(value: str, field: str) -> Problem | None:
    try:
        identifiers.inn(value, field)
    except identifiers.InvalidDetail as invalid:
        if "check digit" in invalid.reason:
            return problem("inn_checksum", field, "неверная контрольная сумма")
        return problem("inn_format", field, "должен состоять из 10 или 12 цифр")
    return None


def check_kpp(value: str, field: str) -> Problem | None:
    try:
        identifiers.kpp(value, field)
    except identifiers.InvalidDetail:
        return problem("kpp_format", field, "должен иметь вид NNNNPPNNN (9 знаков)")
    return None


def check_currency(value: str, field: str) -> Problem | None:
    return None if currency(value) else problem("currency_unknown", field, f"{value!r} не код валюты ISO 4217")


def check_unit(value: str, field: str) -> Problem | None:
    return None if value in units() else problem("unit_unknown", field, f"{value!r} нет в ОКЕИ")


def check_date(value: str, field: str) -> Problem | None:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        return problem("date_invalid", field, f"{value!r} не существующая дата")
    return None


def container_check_digit(body: str) -> int:
    """ISO 6346: letters count 10..38 skipping multiples of 11, each position weighted 2**i, mod 11, 10 -> 0."""
    values = [v for v in range(10, 39) if v % 11]
    total = 0
    for i, char in enumerate(body[:10]):
        number = int(char) if char.isdigit() else values[ord(char) - ord("A")]
        total += number * 2**i
    return total % 11 % 10


def check_container(value: str, field: str) -> Problem | None:
    if not CONTAINER.fullmatch(value):
        return problem("container_format", field, f"{value!r} не номер контейнера ISO 6346 (AAAU1234567)")
    if container_check_digit(value[:10]) != int(value[10]):
        return problem("container_check_digit", field, f"{value}: неверная контрольная цифра")
    return None


SINGLE_CHECKS = {
    "seller_inn": check_inn,
    "buyer_inn": check_inn,
    "seller_kpp": check_kpp,
    "buyer_kpp": check_kpp,
    "currency": check_currency,
    "date": check_date,
}


def check_value(name: str, value: str) -> Problem | None:
    if name.startswith("containers["):
        return check_container(value, name)
    if name.endswith(".unit"):
        return check_unit(value, name)
    check = SINGLE_CHECKS.get(name)
    return check(value, name) if check else None


@cache
def units() -> Mapping[str, dict[str, tuple[str, ...]]]:
    """OKEI units this recognition knows: code -> language -> names (lower case)."""
    with (DATA_DIR / "okei.csv").open(newline="", encoding="utf-8") as rows:
        return {
            row["code"]: {lang: tuple(n.strip().lower() for n in row[lang].split(";")) for lang in ("ru", "en", "zh")}
            for row in csv.DictReader(rows)
        }


# Latin letters OCR gives for Cyrillic ones ("кг" read as "Kr").
CYRILLIC_LOOKALIKES = str.maketrans("akrmtcexopuy", "акгмтсехориу")


def unit_code(name: str) -> str | None:
    """The OKEI code of a unit written in any of the three languages, or None."""
    key = name.strip().lower().rstrip(".")
    for candidate in (key, key.translate(CYRILLIC_LOOKALIKES)):
        code = next((code for code, names in units().items() if any(candidate in n for n in names.values())), None)
        if code:
            return code
    return None


# --- the document as a whole ----------------------------------------------------------------------------------


def _decimal(values: Mapping[str, str], name: str) -> Decimal | None:
    try:
        return Decimal(values[name]) if name in values else None
    except InvalidOperation:
        return None


def check_sums(values: Mapping[str, str]) -> list[Problem]:
    """Each line's quantity x price is its amount; the lines add up to the subtotal; subtotal + VAT is the total."""
    found: list[Problem] = []
    rows = sorted({int(m.group(2)) for m in map(ITEM_FIELD.fullmatch, values) if m and m.group(1) == "items"})
    amounts: list[Decimal] = []
    for row in rows:
        quantity, price, amount = (
            _decimal(values, f"items[{row}].{part}") for part in ("quantity", "unit_price", "amount")
        )
        if amount is not None:
            amounts.append(amount)
        if quantity is not None and price is not None and amount is not None:
            expected = (quantity * price).quantize(Decimal("0.01"))
            if abs(expected - amount) > Decimal("0.01"):
                found.append(
                    problem("item_amount", f"items[{row}].amount", f"{quantity} × {price} = {expected}, а не {amount}")
                )
    subtotal, vat, total = (_decimal(values, name) for name in ("subtotal", "vat_amount", "total"))
    rate = _decimal(values, "vat_rate")
    lines = sum(amounts, Decimal(0)) if amounts and len(amounts) == len(rows) else None
    base = subtotal if subtotal is not None else lines
    if lines is not None and subtotal is not None and lines != subtotal:
        found.append(problem("items_sum", "subtotal", f"сумма строк {lines} не равна {subtotal}"))
    if base is not None and rate is not None and vat is not None:
        expected_vat = (base * rate / 100).quantize(Decimal("0.01"))
        if abs(expected_vat - vat) > Decimal("0.01"):
            found.append(problem("vat_amount", "vat_amount", f"{rate}% от {base} = {expected_vat}, а не {vat}"))
    if base is not None and total is not None and base + (vat or Decimal(0)) != total:
        found.append(problem("total_mismatch", "total", f"{base} + НДС {vat or 0} не равно {total}"))
    gross, net = _decimal(values, "gross_weight_kg"), _decimal(values, "net_weight_kg")
    if gross is not None and net is not None and gross < net:
        found.append(problem("weight_mismatch", "gross_weight_kg", f"брутто {gross} меньше нетто {net}"))
    return found


REQUIRED = {
    "commercial_invoice": ("number", "date", "seller", "buyer", "currency", "total"),
    "packing_list": ("number", "date", "packages", "gross_weight_kg"),
    "cmr": ("number", "sender", "consignee", "place_of_loading", "place_of_delivery"),
    "bill_of_lading": ("number", "sender", "consignee", "place_of_loading", "place_of_delivery"),
    "air_waybill": ("number", "sender", "consignee", "place_of_loading", "place_of_delivery"),
}


def check_required(document_type: str, values: Mapping[str, str]) -> list[Problem]:
    return [
        problem("missing_field", name, "не найдено в документе")
        for name in REQUIRED.get(document_type, ())
        if name not in values
    ]
