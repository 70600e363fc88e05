"""Reading typed values out of segments: dates in a partner's time zone, decimals, measures.

Every value that cannot be read raises EdifactSyntaxError naming the segment, so a bad number in
a partner's message is reported where it is, not turned into a wrong one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from streams.edi.interchange import Segment

# DTM format codes (2379) this mapping reads; dates without a time are taken at midnight.
DATE_FORMATS: dict[str, str] = {
    "101": "%y%m%d",
    "102": "%Y%m%d",
    "201": "%y%m%d%H%M",
    "203": "%Y%m%d%H%M",
    "204": "%Y%m%d%H%M%S",
}
# Units of measure (UN/ECE Rec 20) converted to the platform's kg, m3 and cm.
KILOGRAMS_PER: dict[str, Decimal] = {
    "KGM": Decimal(1),
    "TNE": Decimal(1000),
    "GRM": Decimal("0.001"),
    "LBR": Decimal("0.45359237"),
}
CUBIC_METRES_PER: dict[str, Decimal] = {
    "MTQ": Decimal(1),
    "LTR": Decimal("0.001"),
    "FTQ": Decimal("0.028316846592"),
}
CENTIMETRES_PER: dict[str, Decimal] = {
    "CMT": Decimal(1),
    "MTR": Decimal(100),
    "MMT": Decimal("0.1"),
    "INH": Decimal("2.54"),
}


def edifact_datetime(segment: Segment, zone: ZoneInfo) -> datetime:
    """The DTM segment's date/time (C507: qualifier, value, format) in UTC."""
    text, format_code = segment.value(0, 1), segment.value(0, 2) or "203"
    pattern = DATE_FORMATS.get(format_code)
    if pattern is None:
        raise segment.error(f"date/time format {format_code} is not read (use 102, 203 or 204)")
    try:
        local = datetime.strptime(text, pattern)
    except ValueError as exc:
        raise segment.error(f"{text!r} is not a date/time in format {format_code}") from exc
    return local.replace(tzinfo=zone).astimezone(UTC)


def edifact_decimal(segment: Segment, text: str, what: str) -> Decimal:
    """A decimal as EDIFACT writes it: comma or point as the decimal mark."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise segment.error(f"{what} {text!r} is not a number") from exc
    if not value.is_finite():
        raise segment.error(f"{what} {text!r} is not a number")
    return value


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 4200.000 is 4200, not 4.2E+3 as normalize() gives."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def converted(segment: Segment, text: str, unit: str, table: dict[str, Decimal], what: str) -> Decimal:
    factor = table.get(unit)
    if factor is None:
        raise segment.error(f"{what} in {unit or 'no unit'} is not read (units: {', '.join(table)})")
    return plain(edifact_decimal(segment, text, what) * factor)
