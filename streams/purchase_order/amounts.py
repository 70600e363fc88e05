"""Checks of the figures on orders and invoices: currencies, prices, quantities and line amounts.

Every amount goes through `streams.money` (ISO 4217 currencies, no more decimals than the currency has);
each check returns the value normalised or raises `InvalidDetail` naming the field, as the company
domain's validators do, so a long validation ends in one `Rejection`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from streams import money
from streams.company.identifiers import InvalidDetail

QUANTITY_DECIMALS = 6  # e.g. 0.000001 t; finer than any unit a supplier bills
MAX_AMOUNT = Decimal("1e15")  # beyond any one order; keeps sums inside a 64-bit count of minor units


def currency(code: str, field: str = "currency") -> str:
    known = money.checked_currency(code.strip().upper() if isinstance(code, str) else code, field)
    if isinstance(known, money.MoneyProblem):
        raise InvalidDetail(known.field, known.reason)
    return known.code


def amount(value: Decimal, code: str, field: str) -> Decimal:
    """A positive amount of `code` with no more decimals than it has, as a Decimal of exactly those decimals."""
    parsed = money.parse_amount(value, code, field)
    if isinstance(parsed, money.MoneyProblem):
        raise InvalidDetail(parsed.field, parsed.reason)
    if parsed.amount >= MAX_AMOUNT:
        raise InvalidDetail(field, f"must be below {MAX_AMOUNT:f}")
    return parsed.amount


def quantity(value: Decimal, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidDetail(field, "must be a positive decimal number")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_DECIMALS:
        raise InvalidDetail(field, f"has more than {QUANTITY_DECIMALS} decimals")
    if value >= MAX_AMOUNT:
        raise InvalidDetail(field, f"must be below {MAX_AMOUNT:f}")
    return value


def rounded(value: Decimal, code: str) -> Decimal:
    """`value` rounded half up to `code`'s minor unit (a line's quantity times price, a tax)."""
    return value.quantize(Decimal(1).scaleb(-money.currencies()[code].minor_units), rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, code: str) -> Decimal:
    return rounded(quantity * unit_price, code)


def zero(code: str) -> Decimal:
    return rounded(Decimal(0), code)
