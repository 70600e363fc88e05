"""Events of an FX deal. `DealAgreed` is what the lead's saga turns into linked ledger transfers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class ConversionQuoted:
    tenant_id: str
    sell_currency: str
    buy_currency: str
    sell_amount: Decimal
    buy_amount: Decimal  # rounded to buy_currency's minor unit
    rate: Decimal
    rate_date: date
    source: str
    quoted_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class DealAgreed:
    sell_currency: str
    buy_currency: str
    sell_amount: Decimal
    buy_amount: Decimal
    rate: Decimal
    agreed_at: datetime
    agreed_by: str | None = None
    sell_account: str = ""  # the bank accounts the ledger's process moves the money between
    buy_account: str = ""


@dataclass(frozen=True)
class DealSettled:
    settlement_ref: str
    settled_at: datetime


FxEvent = ConversionQuoted | DealAgreed | DealSettled
EVENTS: tuple[type, ...] = FxEvent.__args__
