"""From lines of text to a document's type, language and fields: labels in Russian, English and Chinese, as data.

Every value is found as a span of one line, so it keeps that line's page, the box of the words it covers
and the lowest confidence among them. Values are normalised: ISO dates, decimals with a dot and no grouping,
OKEI unit codes, upper-case codes with Cyrillic look-alike letters turned Latin (OCR reads "CNY" as "СМУ").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from recognition.model import DocumentType, Field, Language, Line, is_cjk
from recognition.validation import CONTAINER, unit_code
from streams.money import currency

# Title words, checked line by line from the top; within a line the more specific type first.
TITLE_WORDS: tuple[tuple[DocumentType, str], ...] = (
    ("air_waybill", r"авианакладн|air\s*waybill|航空运单"),
    ("bill_of_lading", r"коносамент|bill\s+of\s+lading|提单"),
    ("packing_list", r"упаковочн\w*\s+лист|packing\s+list|装箱单"),
    ("cmr", r"\bcmr\b|товарно-транспортн|consignment\s+note|货物运输单|运单"),
    ("commercial_invoice", r"инвойс|счет|счёт|invoice|发票"),
)
DOCUMENT_TITLES = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in TITLE_WORDS)
# Fields written "Label: value" on one line. Any language's label is accepted in any document.
LABELS: dict[str, str] = {
    "seller": r"продавец|поставщик|seller|exporter|卖方|出口商",
    "buyer": r"покупатель|buyer|importer|买方|进口商",
    "currency": r"валюта|currency|币种|货币",
    "packages": r"количество\s+мест|number\s+of\s+packages|packages|件数",
    "gross_weight_kg": r"вес\s+брутто|gross\s+weight|毛重",
    "net_weight_kg": r"вес\s+нетто|net\s+weight|净重",
    "sender": r"грузоотправитель|отправитель|sender|shipper|consignor|发货人",
    "consignee": r"грузополучатель|получатель|consignee|收货人",
    "place_of_loading": r"место\s+погрузки|place\s+of\s+loading|port\s+of\s+loading|装货地点|装货港",
    "place_of_delivery": r"место\s+(?:доставки|разгрузки)|place\s+of\s+delivery|port\s+of\s+discharge|交货地点|卸货港",
    "subtotal": r"итого\s+без\s+ндс|subtotal|小计",
    "total": r"всего\s+к\s+оплате|всего|total|итого|总计|合计",
}
LABEL_LINE = {
    name: re.compile(rf"^\s*(?:{pattern})(?:\s*,?\s*(?:кг|kg|\(?千克\)?|（千克）))?\s*[:.]?\s*(?P<value>\S.*)$", re.I)
    for name, pattern in LABELS.items()
}
NUMBER = re.compile(
    r"(?:№|\bNe\b|\bN[°º]|\bno\.?|\bnumber|номер|号码|编号|单号)\s*[:.]?\s*(?P<value>[A-ZА-Я0-9][A-ZА-Я0-9\-/]{3,})",
    re.I,
)
IDENTIFIERS = re.compile(r"(?P<inn>\d{12}|\d{10})\s*/\s*(?P<kpp>\d{4}[0-9A-Z]{2}\d{3})")
SELLER_WORDS = re.compile(r"продав|поставщ|seller|exporter|卖方", re.I)
BUYER_WORDS = re.compile(r"покупат|buyer|importer|买方", re.I)
VAT = re.compile(r"(?:ндс|vat|增值税)\s*(?P<rate>\d{1,2})\s*%\s*[:.]?\s*(?P<value>\S.*)$", re.I)
MONEY = r"\d{1,3}(?:[ ,.]\d{3})*[.,]\d{2}|\d+[.,]\d{2}"
QUANTITY = r"\d+(?:[.,]\d+)?"
INVOICE_ROW = re.compile(
    rf"^(?:(?P<row>\d{{1,3}})\s+)?(?P<description>\S.*?)\s+(?P<quantity>{QUANTITY})\s+(?P<unit>\S+)\s+"
    rf"(?P<unit_price>{MONEY})\s+(?P<amount>{MONEY})$"
)
INVOICE_ROW_NO_PRICE = re.compile(
    rf"^(?:(?P<row>\d{{1,3}})\s+)?(?P<description>\S.*?)\s+(?P<quantity>{QUANTITY})\s+(?P<unit>\S+)(?:\s+\S+)?\s+"
    rf"(?P<amount>{MONEY})$"
)
PACKING_ROW = re.compile(
    rf"^(?:(?P<row>\d{{1,3}})\s+)?(?P<description>\S.*?)\s+(?P<quantity>{QUANTITY})\s+(?P<unit>\S+)$"
)
TABLE_HEADER = re.compile(r"наименование|description|品名|goods", re.I)
TABLE_END = re.compile(rf"^\s*(?:{LABELS['subtotal']}|{LABELS['total']}|ндс|vat|增值税)", re.I)
MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "jan янв",
            "feb фев",
            "mar мар",
            "apr апр",
            "may мая май",
            "jun июн",
            "jul июл",
            "aug авг",
            "sep сен",
            "oct окт",
            "nov ноя",
            "dec дек",
        )
    )
    for m in names.split()
}
DATES = (
    (re.compile(r"(?<!\d)(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})(?!\d)"), "dmy"),
    (re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+(?P<m>[A-Za-zА-Яа-я]{3,})\.?\s+(?P<y>\d{4})(?!\d)"), "d month y"),
    (re.compile(r"(?P<m>[A-Za-z]{3,})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})(?!\d)"), "month d y"),
    (re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"), "cjk"),
)
# Cyrillic letters that look like Latin ones, for codes (currencies, numbers, containers) read by OCR.
LOOKALIKES = str.maketrans("АВСЕНКМОРТХУЗЦасеокрхуі", "ABCEHKMOPTXY3Uaceokpxyi")
DIGITS_AS_LETTERS = str.maketrans("01258", "OIZSB")  # in a container's owner code, letters only
TO_ASCII_PUNCTUATION = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "—": "-", "–": "-"})


Keep = Callable[..., None]
INFERRED_CONFIDENCE = 0.5  # below the verification threshold: an operator confirms what was inferred
COMMON_CURRENCIES = ("RUB", "USD", "EUR", "CNY", "GBP", "JPY", "KZT", "BYN", "TRY", "AED", "INR", "KRW", "HKD", "CHF")


@dataclass(frozen=True)
class Found:
    """A value found on a line, before it is judged."""

    name: str
    value: str
    line: Line
    start: int
    end: int
    inferred: bool = False  # not read as such: corrected to a known code, or worked out from other values

    def field(self) -> Field:
        box, confidence = self.line.span(self.start, self.end)
        if self.inferred:
            confidence = min(confidence, INFERRED_CONFIDENCE)
        return Field(self.name, self.value, round(confidence, 3), self.line.page, box, needs_verification=False)


def language_of(text: str) -> Language:
    """By script: Chinese when a tenth of the letters are CJK, Russian when 30% are Cyrillic, else English."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    cjk = sum(1 for c in letters if is_cjk(c)) / len(letters)
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff") / len(letters)
    if cjk >= 0.1:
        return "zh"
    return "ru" if cyrillic >= 0.3 else "en"


def document_type_of(lines: Sequence[Line]) -> DocumentType:
    for line in lines:
        for kind, title in DOCUMENT_TITLES:
            if title.search(line.text):
                return kind
    return "unknown"


def clean(text: str) -> str:
    """Full-width punctuation as ASCII, one character for one (offsets into the line stay valid)."""
    return text.translate(TO_ASCII_PUNCTUATION)


CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK_SPACES = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])|(?<=[{CJK}][,;:])\s+")


def tidy(value: str) -> str:
    """A value as it is given back: single spaces, and none next to a Chinese character (Chinese has no spaces)."""
    return CJK_SPACES.sub("", " ".join(value.split()))


def as_code(text: str) -> str:
    return text.translate(LOOKALIKES).upper()


def parse_decimal(text: str) -> Decimal | None:
    """'10 628,80', '127,271.04', '12,5' -> Decimal: the last . or , before 1-2 final digits is the decimal point."""
    compact = re.sub(r"\s", "", text)
    if re.fullmatch(r"\d+", compact):
        return Decimal(compact)
    whole = re.fullmatch(r"(?P<int>\d{1,3}(?:[.,]\d{3})*|\d+)(?:[.,](?P<fraction>\d{1,2}))?", compact)
    if whole is None:
        return None
    digits = re.sub(r"[.,]", "", whole.group("int"))
    try:
        return Decimal(f"{digits}.{whole.group('fraction') or '0'}")
    except InvalidOperation:
        return None


def money(text: str) -> str | None:
    value = parse_decimal(text)
    return None if value is None else f"{value:.2f}"


def quantity(text: str) -> str | None:
    value = parse_decimal(text.replace(",", ".") if re.fullmatch(r"\d+,\d{1,3}", text.strip()) else text)
    return None if value is None else f"{value.normalize():f}"


def iso_date(found: re.Match[str], shape: str) -> str | None:
    month_text = found.group("m")
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text[:3].lower(), 0)
    try:
        return date(int(found.group("y")), month, int(found.group("d"))).isoformat()
    except ValueError:
        return None


def extract(lines: Sequence[Line], document_type: DocumentType) -> list[Found]:
    """Every field the lines give for this type of document, in reading order."""
    found: dict[str, Found] = {}

    def keep(name: str, value: str | None, line: Line, start: int, end: int, inferred: bool = False) -> None:
        if value and name not in found:
            found[name] = Found(name, tidy(value), line, start, end, inferred)

    party = "seller"
    in_table = False
    row = 0
    containers: list[str] = []
    for line in lines:
        text = clean(line.text)
        if "number" not in found and (number := NUMBER.search(text)):
            code = as_code(number.group("value")).rstrip("-/")
            if re.search(r"\d", code):
                keep("number", code, line, *number.span("value"))
        _dates(text, line, found, keep)
        if document_type == "commercial_invoice":
            identifiers = IDENTIFIERS.search(text)
            if identifiers:
                if SELLER_WORDS.search(text):
                    party = "seller"
                elif BUYER_WORDS.search(text):
                    party = "buyer"
                keep(f"{party}_inn", identifiers.group("inn"), line, *identifiers.span("inn"))
                keep(f"{party}_kpp", identifiers.group("kpp"), line, *identifiers.span("kpp"))
                continue
            vat = VAT.search(text)
            if vat:
                keep("vat_rate", vat.group("rate"), line, *vat.span("rate"))
                keep("vat_amount", money(vat.group("value")), line, *vat.span("value"))
                in_table = False
                continue
        for container in re.finditer(r"\b[A-ZА-Я0-9]{3}[A-ZА-Я](?:\s?\d){7}", text):
            owner, serial = container.group()[:4], container.group()[4:].replace(" ", "")
            candidate = as_code(owner).translate(DIGITS_AS_LETTERS) + serial
            if CONTAINER.fullmatch(candidate) and candidate not in containers:
                keep(f"containers[{len(containers)}]", candidate, line, *container.span())
                containers.append(candidate)
        if TABLE_HEADER.search(text) and document_type in ("commercial_invoice", "packing_list"):
            in_table = True
            continue
        if in_table and TABLE_END.search(text):
            in_table = False
        if in_table:
            row += _item(text, line, document_type, row, keep)
            continue
        for name, pattern in LABEL_LINE.items():
            labelled = pattern.match(text)
            if labelled is None:
                continue
            if name in ("seller", "buyer"):
                party = name
            start, end = labelled.span("value")
            value = _value(name, labelled.group("value"))
            if name == "currency" and value and currency(value) is None:
                keep(name, _nearest_currency(value), line, start, end, True)
            else:
                keep(name, value, line, start, end)
            break
    return list(found.values())


def _value(name: str, raw: str) -> str | None:
    raw = raw.strip()
    if name == "currency":
        code = re.match(r"\S+", as_code(raw))
        return code.group()[:3] if code else None
    if name in ("subtotal", "total"):
        return money(raw)
    if name == "packages":
        digits = re.match(r"\d+", raw)
        return digits.group() if digits else None
    if name in ("gross_weight_kg", "net_weight_kg"):
        weight = re.match(r"\d[\d ]*(?:[.,]\d+)?", raw)
        return quantity(weight.group()) if weight else None
    return raw


def _dates(text: str, line: Line, found: dict[str, Found], keep: Keep) -> None:
    if "date" in found:
        return
    for pattern, shape in DATES:
        for hit in pattern.finditer(text):
            value = iso_date(hit, shape)
            if value:
                keep("date", value, line, *hit.span())
                return


def _item(text: str, line: Line, document_type: DocumentType, row: int, keep: Keep) -> int:
    """One table row as items[n].*, n from the row's own number when it has one; returns 1 for a row."""
    invoice = document_type == "commercial_invoice"
    hit = (INVOICE_ROW if invoice else PACKING_ROW).match(text)
    price_missing = False
    if hit is None and invoice:
        hit = INVOICE_ROW_NO_PRICE.match(text)  # OCR lost the price: worked out from amount / quantity below
        price_missing = hit is not None
    if hit is None or unit_code(hit.group("unit")) is None:
        return 0
    numbered = int(hit.group("row")) - 1 if hit.group("row") else row
    index = numbered if row <= numbered <= row + 5 else row  # a row OCR lost keeps its number free
    values = {
        # A Cyrillic "х" between digits is the Latin "x" of a size such as "3x2.5".
        "description": re.sub(r"(?<=\d)[хХ](?=\d)", "x", hit.group("description")).lstrip("-—–_.,:;| "),
        "quantity": quantity(hit.group("quantity")),
        "unit": unit_code(hit.group("unit")),
    }
    if invoice:
        values["amount"] = money(hit.group("amount"))
        if not price_missing:
            values["unit_price"] = money(hit.group("unit_price"))
    for part, value in values.items():
        keep(f"items[{index}].{part}", value, line, *hit.span(part))
    if price_missing:
        amount, count = parse_decimal(values["amount"] or ""), parse_decimal(values["quantity"] or "")
        if amount is not None and count:
            price = (amount / count).quantize(Decimal("0.01"))
            if price * count == amount.quantize(Decimal("0.01")) or abs(price * count - amount) < Decimal("0.01"):
                keep(f"items[{index}].unit_price", f"{price:.2f}", line, *hit.span("amount"), True)
    return index + 1 - row


def _nearest_currency(code: str) -> str | None:
    """A common currency one letter away from an unknown code OCR gave ("CMY" -> "CNY"), else the code as read."""
    near = [
        c for c in COMMON_CURRENCIES if len(c) == len(code) and sum(a != b for a, b in zip(c, code, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else code


def fields_of(found: Iterable[Found]) -> list[Field]:
    return [f.field() for f in found]
