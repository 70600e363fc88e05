"""Commands on an FX deal: a quote is given at the official rate, then agreed before it expires, then settled.

The API reads the rate from the one rate table (customs tariff's exchange rates) and sends it in the
quote, so the decider stays pure and the quote states exactly what it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class QuoteConversion:
    sell_currency: str
    buy_currency: str
    sell_amount: Decimal
    rate: Decimal  # units of buy_currency for one unit of sell_currency
    rate_date: date  # the date of the official rates it is computed from
    source: str  # e.g. "CBR 2026-11-30: USD 81.20, EUR 94.10 RUB"
    valid_for_seconds: int


@dataclass(frozen=True)
class AgreeDeal:
    """The tenant takes the quote: sell and buy at its rate. Refused once the quote has expired.

    The accounts are the tenant's bank accounts (their numbers, as opened in the ledger) the money
    leaves and reaches; empty: the currency's account with no number."""

    sell_account: str = ""
    buy_account: str = ""


@dataclass(frozen=True)
class SettleDeal:
    """Both legs moved (the ledger's linked transfers, through the lead's saga)."""

    settlement_ref: str


FxCommand = QuoteConversion | AgreeDeal | SettleDeal
COMMANDS: tuple[type, ...] = FxCommand.__args__
