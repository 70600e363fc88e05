"""Fields of a verified document as other domains read them: one flat map of name to text, line items as
`items[0].description`, `items[0].quantity`, ... (the convention recognition and verification share).

Numbers arrive as people and OCR write them ("1 234,56", "1,234.56", "3300.00"); units as codes or
names in Russian or English. Pure functions: a domain turns what it reads here into its own commands.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from streams.customs.codes import KILOGRAM, MEASURE_UNIT_BY_CODE

_ITEM = re.compile(r"^items\[(\d+)\]\.([a-z_]+)$")

# OKEI codes by the names and symbols invoices use for them (lower case, without a trailing dot).
_UNIT_NAMES: dict[str, str] = {
    **{
        name: "796"
        for name in ("шт", "штука", "штук", "штуки", "pcs", "pc", "piece", "pieces", "ea", "each", "件", "个")
    },
    **{name: KILOGRAM for name in ("кг", "килограмм", "kg", "kgs", "kilogram", "kilograms", "公斤", "千克")},
    **{name: "163" for name in ("г", "гр", "g", "gram", "grams")},
    **{name: "715" for name in ("пар", "пара", "пары", "pair", "pairs", "prs", "双")},
    **{name: "006" for name in ("м", "метр", "m", "metre", "meter", "metres", "meters", "米")},
    **{name: "055" for name in ("м2", "кв.м", "m2", "sqm")},
    **{name: "112" for name in ("л", "литр", "l", "litre", "liter", "litres", "liters")},
    **{name: "113" for name in ("м3", "куб.м", "m3", "cbm")},
}


def lines(fields: Mapping[str, str]) -> tuple[dict[str, str], ...]:
    """The line items, in their order on the document; a line is the map of its own field names."""
    found: dict[int, dict[str, str]] = {}
    for name, value in fields.items():
        matched = _ITEM.match(name)
        if matched:
            found.setdefault(int(matched.group(1)), {})[matched.group(2)] = value
    return tuple(found[index] for index in sorted(found))


def amount(text: str | None) -> Decimal | None:
    """A number as written: spaces (also non-breaking) group thousands; the last of ',' or '.' is the decimal
    point when both appear, a lone ',' is the decimal point. None when it is not a number."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "," in cleaned and "." in cleaned:
        thousands = "," if cleaned.rfind(".") > cleaned.rfind(",") else "."
        cleaned = cleaned.replace(thousands, "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def unit_code(text: str | None) -> str | None:
    """The OKEI code of a unit written as a code ("796") or a name ("шт.", "pcs", "kg"); None if unknown."""
    if not text:
        return None
    key = text.strip().lower().rstrip(".")
    if key in MEASURE_UNIT_BY_CODE:
        return key
    return _UNIT_NAMES.get(key)


def day(text: str | None) -> date | None:
    """An ISO date (what recognition and verification record); None when it is not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
