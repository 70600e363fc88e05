"""Currencies and amounts for payments and FX: ISO 4217 codes with their minor units, and the amount check.

Kept in one place until the shared money module (`streams/money.py`, from the ledger's branch) lands on
main; its rules and reasons are the same (`checked_currency`, `parse_amount`), so the merge makes
`MINOR_UNITS` its table's minor units and `amount` a call of `parse_amount`, with no test to change.
"""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

from streams.company.identifiers import InvalidDetail


def _codes(listed: str) -> list[str]:
    return listed.split()


# ISO 4217: decimals of each currency's minor unit (those the platform's tenants trade in).
MINOR_UNITS = MappingProxyType(
    {
        **dict.fromkeys(
            _codes(
                "AED AMD AUD AZN BRL BYN CAD CHF CNY CZK DKK EGP EUR GBP GEL HKD HUF IDR ILS INR KGS KZT MDL"
                " MNT MXN MYR NOK NZD PLN RSD RUB SAR SEK SGD THB TJS TMT TRY UAH USD UZS ZAR"
            ),
            2,
        ),
        **dict.fromkeys(_codes("CLP ISK JPY KRW VND"), 0),
        **dict.fromkeys(_codes("BHD JOD KWD OMR TND"), 3),
    }
)
RUB = "RUB"
MAX_AMOUNT = Decimal("1e15")  # beyond any one payment; keeps amounts inside a 64-bit count of minor units


def currency(code: str, field: str = "currency") -> str:
    """The ISO 4217 code, upper-cased, or InvalidDetail naming the field."""
    normal = code.strip().upper()
    if normal not in MINOR_UNITS:
        raise InvalidDetail(field, f"{code!r} is not an ISO 4217 currency code")
    return normal


def minor_unit(code: str) -> Decimal:
    """The smallest amount of the currency, e.g. 0.01 for EUR, 1 for JPY."""
    return Decimal(1).scaleb(-MINOR_UNITS[code])


def amount(value: Decimal, code: str, field: str = "amount") -> Decimal:
    """A positive amount with no more decimals than the currency has (`code` already checked)."""
    if not value.is_finite() or value <= 0:
        raise InvalidDetail(field, "must be greater than zero")
    if value >= MAX_AMOUNT:
        raise InvalidDetail(field, f"the amount must be below {MAX_AMOUNT:,.0f}")
    decimals = MINOR_UNITS[code]
    if value != value.quantize(minor_unit(code)):
        raise InvalidDetail(field, f"{code} has {decimals} decimals; {value} has more")
    return value.quantize(minor_unit(code))
