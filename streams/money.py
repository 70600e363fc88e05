"""Money shared by every finance domain: ISO 4217 currencies, exact amounts in minor units, parsing and formatting.

Amounts travel in commands as a Decimal and an ISO 4217 code; inside the ledger (and anywhere sums
must be exact) they are integers of the currency's minor unit, as TigerBeetle keeps them: kopecks
for RUB, yen for JPY (no minor unit), fils for KWD (three decimals). `parse_amount` is the one gate:
it refuses an unknown currency, a non-finite, zero, negative or too large amount (over `MAX_MINOR`
minor units), and more decimals than the currency has, naming the field at fault. The table of
currencies is data: `data/iso4217.csv` (active currencies with a minor unit; funds and precious
metals are not money here).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType

DATA_DIR = Path(__file__).parent / "data"
# The largest amount accepted, in minor units (10^15: ten trillion roubles): sums of many stay within 64 bits.
MAX_MINOR = 10**15


@dataclass(frozen=True)
class Currency:
    code: str  # ISO 4217 alphabetic, e.g. "RUB"
    numeric: str  # ISO 4217 numeric, e.g. "643" (three digits, kept as text)
    minor_units: int  # decimals of the minor unit: 2 for RUB, 0 for JPY, 3 for KWD
    name: str


@cache
def currencies() -> Mapping[str, Currency]:
    """Every currency of the table, by code."""
    with (DATA_DIR / "iso4217.csv").open(newline="", encoding="utf-8") as rows:
        table = {
            row["code"]: Currency(row["code"], row["numeric"], int(row["minor_units"]), row["name"])
            for row in csv.DictReader(rows)
        }
    return MappingProxyType(table)


def currency(code: str) -> Currency | None:
    return currencies().get(code)


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount: an integer count of `currency`'s minor units (may be negative for balances)."""

    currency: str
    minor: int

    @property
    def amount(self) -> Decimal:
        return to_decimal(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{format_amount(self.minor, self.currency)} {self.currency}"


@dataclass(frozen=True)
class MoneyProblem:
    """Why an amount or a currency was refused, and which field (`currency` or `amount` unless renamed)."""

    field: str
    reason: str


def checked_currency(code: str, field: str = "currency") -> Currency | MoneyProblem:
    found = currency(code) if isinstance(code, str) else None
    if found is None:
        return MoneyProblem(field, f"{code!r} is not an ISO 4217 currency code")
    return found


def to_minor(amount: Decimal, code: str) -> int | None:
    """`amount` in minor units of `code`, or None when it has more decimals than the currency has."""
    units = currencies()[code].minor_units
    scaled = amount.scaleb(units)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def to_decimal(minor: int, code: str) -> Decimal:
    """Minor units as a Decimal with exactly the currency's decimals (e.g. 1050 RUB -> 10.50)."""
    units = currencies()[code].minor_units
    return Decimal(minor).scaleb(-units)  # an integer scaled by 10^-units has exactly `units` decimals


def format_amount(minor: int, code: str) -> str:
    """Plain text of an amount, e.g. "10.50" (no grouping: the console formats by locale)."""
    return str(to_decimal(minor, code))


def parse_amount(
    amount: Decimal | str | int, code: str, field: str = "amount", currency_field: str = "currency"
) -> Money | MoneyProblem:
    """A positive amount of a known currency in minor units, or the problem naming its field."""
    known = checked_currency(code, currency_field)
    if isinstance(known, MoneyProblem):
        return known
    try:
        value = Decimal(str(amount))  # exact for a Decimal too: its text reads back equal
    except InvalidOperation:
        return MoneyProblem(field, f"{amount!r} is not a number")
    if isinstance(amount, float) or not value.is_finite():
        return MoneyProblem(field, "must be a finite decimal number")
    if value <= 0:
        return MoneyProblem(field, "must be greater than zero")
    if value.adjusted() > 18:  # far beyond any limit: refused before scaling a huge exponent
        return MoneyProblem(field, "is too large")
    minor = to_minor(value, known.code)
    if minor is None:
        return MoneyProblem(field, f"{known.code} has {known.minor_units} decimals; {value} has more")
    if minor > MAX_MINOR:
        return MoneyProblem(field, f"is too large: at most {to_decimal(MAX_MINOR, known.code)} {known.code}")
    return Money(known.code, minor)
