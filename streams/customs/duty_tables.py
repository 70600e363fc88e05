"""Tariff tables: duty, excise and VAT rates, origin preferences, the clearance-fee scale, exchange rates.

Every row is effective-dated: in force from `valid_from` through `valid_to` inclusive (`None`: until
further notice). Operators load tables from CSV text (`load_*`) and update them with `supersede`, which
closes the row a new one replaces on the day before the new row starts, so history stays queryable.
When two rows for the same key are both in force, the one that started last wins.

Lookups:
- duty: a rate for the goods' origin country (e.g. under a free-trade agreement) wins, longest
  commodity-code prefix first; otherwise the base rate with the longest matching prefix, to which an
  origin preference applies (a share of the base rate: 0.75 for developing, 0 for least developed
  countries). Kinds: ad valorem %, specific per net kg or per supplementary unit in a currency,
  "X% but not less than Y per kg/unit" (the greater of the two), and "X% plus Y per kg/unit".
- excise: longest prefix; no row means not excisable. VAT: longest prefix; prefix "" is the general rate.
- fee scale: the band with value_over < customs value <= value_up_to (bands in whole kopecks).
- exchange rates (the Bank of Russia's official rates): the latest rate dated on or before the date.

The fee scale shipped in `data/customs_fee_scale.csv` is the Russian scale of Government Resolution
No. 342 of 26.03.2020, in force from 1 August 2020 until the scale that applies from 1 January 2026;
load the current scale before calculating for later dates.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Protocol, TypeVar

from streams.immutable import replace

DATA_DIR = Path(__file__).parent / "data"
RUB = "RUB"


class TariffDataMissing(LookupError):
    """No row of a table is in force for what was asked: the operator must load one."""


class TariffTableError(ValueError):
    """A CSV row an operator loaded cannot be read."""


class DutyKind(StrEnum):
    AD_VALOREM = "ad_valorem"
    SPECIFIC = "specific"
    AD_VALOREM_MINIMUM_SPECIFIC = "ad_valorem_min_specific"  # X% but not less than Y per kg/unit
    AD_VALOREM_PLUS_SPECIFIC = "ad_valorem_plus_specific"  # X% plus Y per kg/unit


class SpecificBasis(StrEnum):
    NET_KG = "kg"  # per kilogram of net weight
    UNIT = "unit"  # per supplementary unit (the row names the OKEI unit code)


@dataclass(frozen=True)
class DutyRate:
    code_prefix: str
    valid_from: date
    valid_to: date | None
    kind: DutyKind
    ad_valorem_percent: Decimal = Decimal(0)
    specific_amount: Decimal = Decimal(0)
    specific_currency: str = "EUR"
    specific_basis: SpecificBasis = SpecificBasis.NET_KG
    unit_code: str | None = None  # for a per-unit rate: the OKEI code of the unit
    origin_country: str | None = None  # a rate for goods of this origin only

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.code_prefix, self.origin_country)

    def describe(self) -> str:
        per = "kg" if self.specific_basis is SpecificBasis.NET_KG else f"unit {self.unit_code}"
        specific = f"{self.specific_amount} {self.specific_currency}/{per}"
        return {
            DutyKind.AD_VALOREM: f"{self.ad_valorem_percent}%",
            DutyKind.SPECIFIC: specific,
            DutyKind.AD_VALOREM_MINIMUM_SPECIFIC: f"{self.ad_valorem_percent}% but not less than {specific}",
            DutyKind.AD_VALOREM_PLUS_SPECIFIC: f"{self.ad_valorem_percent}% plus {specific}",
        }[self.kind]


@dataclass(frozen=True)
class OriginPreference:
    country_code: str
    valid_from: date
    valid_to: date | None
    share_of_base_rate: Decimal  # 0.75: 75% of the base rate; 0: duty free
    scheme: str  # e.g. "developing country", "least developed country"

    @property
    def key(self) -> str:
        return self.country_code


@dataclass(frozen=True)
class ExciseRate:
    code_prefix: str
    valid_from: date
    valid_to: date | None
    amount: Decimal  # per unit
    unit_code: str  # OKEI code of the unit the amount is per, e.g. "112" litre
    payment_code: str  # the national payment type code of this excisable group
    currency: str = RUB

    @property
    def key(self) -> str:
        return self.code_prefix


@dataclass(frozen=True)
class VatRate:
    code_prefix: str  # "" for the general rate
    valid_from: date
    valid_to: date | None
    percent: Decimal

    @property
    def key(self) -> str:
        return self.code_prefix


@dataclass(frozen=True)
class FeeBand:
    valid_from: date
    valid_to: date | None
    value_over: Decimal  # exclusive lower bound of the total customs value, RUB
    value_up_to: Decimal | None  # inclusive upper bound; None for the top band
    fee: Decimal  # RUB

    @property
    def key(self) -> Decimal:
        return self.value_over

    def contains(self, customs_value: Decimal) -> bool:
        return self.value_over < customs_value and (self.value_up_to is None or customs_value <= self.value_up_to)

    def describe(self) -> str:
        upper = f"{self.value_up_to}" if self.value_up_to is not None else "no upper limit"
        return f"customs value over {self.value_over} up to {upper} RUB: {self.fee} RUB"


@dataclass(frozen=True)
class ExchangeRate:
    currency: str
    rate_date: date  # the date the rate is set for
    rate: Decimal  # RUB for `units` units of the currency
    units: int = 1  # e.g. 100 for JPY

    @property
    def per_unit(self) -> Decimal:
        return self.rate / self.units


class EffectiveDated(Protocol):
    @property
    def valid_from(self) -> date: ...

    @property
    def valid_to(self) -> date | None: ...


Row = TypeVar("Row", bound=EffectiveDated)


def in_force(row: EffectiveDated, on: date) -> bool:
    return row.valid_from <= on and (row.valid_to is None or on <= row.valid_to)


def _latest_in_force(rows: Sequence[Row], on: date) -> Row | None:
    candidates = [row for row in rows if in_force(row, on)]
    return max(candidates, key=lambda row: row.valid_from) if candidates else None


class Keyed(EffectiveDated, Protocol):
    @property
    def key(self) -> object: ...


KeyedRow = TypeVar("KeyedRow", bound=Keyed)


def supersede(rows: tuple[KeyedRow, ...], new_row: KeyedRow) -> tuple[KeyedRow, ...]:
    """Add `new_row`, closing any open-ended row with the same key the day before it starts."""
    closing_day = new_row.valid_from - timedelta(days=1)
    # Every row type is a frozen dataclass; the Protocol cannot say so, hence the ignore.
    kept = tuple(
        replace(row, valid_to=closing_day)  # type: ignore[type-var]
        if row.key == new_row.key
        and row.valid_from <= closing_day
        and (row.valid_to is None or row.valid_to > closing_day)
        else row
        for row in rows
    )
    return (*kept, new_row)


def _prefixes(commodity_code: str) -> Iterator[str]:
    """The code's prefixes, longest first, ending with "" (the whole tariff)."""
    for length in range(len(commodity_code), -1, -1):
        yield commodity_code[:length]


@dataclass(frozen=True)
class TariffTables:
    """All the tables one calculation reads; build once, query many times (lookups are indexed)."""

    duty_rates: tuple[DutyRate, ...] = ()
    preferences: tuple[OriginPreference, ...] = ()
    excise_rates: tuple[ExciseRate, ...] = ()
    vat_rates: tuple[VatRate, ...] = ()
    fee_bands: tuple[FeeBand, ...] = ()
    exchange_rates: tuple[ExchangeRate, ...] = ()

    @cached_property
    def _duty_index(self) -> dict[tuple[str, str | None], list[DutyRate]]:
        index: dict[tuple[str, str | None], list[DutyRate]] = {}
        for row in self.duty_rates:
            index.setdefault(row.key, []).append(row)
        return index

    @cached_property
    def _excise_index(self) -> dict[str, list[ExciseRate]]:
        index: dict[str, list[ExciseRate]] = {}
        for row in self.excise_rates:
            index.setdefault(row.code_prefix, []).append(row)
        return index

    @cached_property
    def _vat_index(self) -> dict[str, list[VatRate]]:
        index: dict[str, list[VatRate]] = {}
        for row in self.vat_rates:
            index.setdefault(row.code_prefix, []).append(row)
        return index

    @cached_property
    def _rates_by_currency(self) -> dict[str, tuple[list[date], list[ExchangeRate]]]:
        by_currency: dict[str, list[ExchangeRate]] = {}
        for row in self.exchange_rates:
            by_currency.setdefault(row.currency, []).append(row)
        return {
            currency: ([r.rate_date for r in ordered], ordered)
            for currency, rows in by_currency.items()
            for ordered in [sorted(rows, key=lambda r: r.rate_date)]
        }

    def duty_rate(self, commodity_code: str, origin_country: str, on: date) -> DutyRate:
        for key_origin in (origin_country, None):
            for prefix in _prefixes(commodity_code):
                row = _latest_in_force(self._duty_index.get((prefix, key_origin), ()), on)
                if row is not None:
                    return row
        raise TariffDataMissing(f"no import duty rate in force on {on} for commodity code {commodity_code}")

    def preference(self, origin_country: str, on: date) -> OriginPreference | None:
        return _latest_in_force([p for p in self.preferences if p.country_code == origin_country], on)

    def excise_rate(self, commodity_code: str, on: date) -> ExciseRate | None:
        for prefix in _prefixes(commodity_code):
            row = _latest_in_force(self._excise_index.get(prefix, ()), on)
            if row is not None:
                return row
        return None

    def vat_rate(self, commodity_code: str, on: date) -> VatRate:
        for prefix in _prefixes(commodity_code):
            row = _latest_in_force(self._vat_index.get(prefix, ()), on)
            if row is not None:
                return row
        raise TariffDataMissing(f"no VAT rate in force on {on} for commodity code {commodity_code}")

    def fee_band(self, total_customs_value: Decimal, on: date) -> FeeBand:
        bands = [band for band in self.fee_bands if in_force(band, on) and band.contains(total_customs_value)]
        if not bands:
            raise TariffDataMissing(
                f"no customs fee band in force on {on} for a customs value of {total_customs_value}"
            )
        return max(bands, key=lambda band: band.valid_from)

    def exchange_rate(self, currency: str, on: date) -> ExchangeRate:
        if currency == RUB:
            return ExchangeRate(RUB, on, Decimal(1))
        dates, rows = self._rates_by_currency.get(currency, ([], []))
        position = bisect_right(dates, on)
        if position == 0:
            raise TariffDataMissing(f"no official {currency} rate dated on or before {on}")
        return rows[position - 1]


# Loading from CSV text ---------------------------------------------------------------------------------


def _decimal(value: str, column: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise TariffTableError(f"{column}: {value!r} is not a number") from None
    if not number.is_finite():
        raise TariffTableError(f"{column}: {value!r} is not a finite number")
    return number


def _optional_decimal(value: str | None, column: str) -> Decimal | None:
    return _decimal(value, column) if value and value.strip() else None


def _date(value: str, column: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise TariffTableError(f"{column}: {value!r} is not a date (YYYY-MM-DD)") from None


def _optional_date(value: str | None, column: str) -> date | None:
    return _date(value, column) if value and value.strip() else None


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


Parsed = TypeVar("Parsed")


def _load(text: str, required: set[str], parse: Callable[[dict[str, str]], Parsed]) -> tuple[Parsed, ...]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = required - set(reader.fieldnames or ())
    if missing:
        raise TariffTableError(f"missing columns: {', '.join(sorted(missing))}")
    rows: list[Parsed] = []
    for line, record in enumerate(reader, start=2):
        try:
            rows.append(parse(record))
        except (TariffTableError, ValueError) as problem:
            raise TariffTableError(f"line {line}: {problem}") from None
    return tuple(rows)


def load_duty_rates(text: str) -> tuple[DutyRate, ...]:
    """Columns: code_prefix, valid_from, valid_to, kind, ad_valorem_percent, specific_amount,
    specific_currency, specific_basis (kg|unit), unit_code, origin_country."""

    def parse(r: dict[str, str]) -> DutyRate:
        return DutyRate(
            code_prefix=r["code_prefix"].strip(),
            valid_from=_date(r["valid_from"], "valid_from"),
            valid_to=_optional_date(r.get("valid_to"), "valid_to"),
            kind=DutyKind(r["kind"].strip()),
            ad_valorem_percent=_optional_decimal(r.get("ad_valorem_percent"), "ad_valorem_percent") or Decimal(0),
            specific_amount=_optional_decimal(r.get("specific_amount"), "specific_amount") or Decimal(0),
            specific_currency=_text(r.get("specific_currency")) or "EUR",
            specific_basis=SpecificBasis(_text(r.get("specific_basis")) or SpecificBasis.NET_KG),
            unit_code=_text(r.get("unit_code")),
            origin_country=_text(r.get("origin_country")),
        )

    return _load(text, {"code_prefix", "valid_from", "kind"}, parse)


def load_preferences(text: str) -> tuple[OriginPreference, ...]:
    """Columns: country_code, valid_from, valid_to, share_of_base_rate, scheme."""

    def parse(r: dict[str, str]) -> OriginPreference:
        return OriginPreference(
            country_code=r["country_code"].strip(),
            valid_from=_date(r["valid_from"], "valid_from"),
            valid_to=_optional_date(r.get("valid_to"), "valid_to"),
            share_of_base_rate=_decimal(r["share_of_base_rate"], "share_of_base_rate"),
            scheme=r["scheme"].strip(),
        )

    return _load(text, {"country_code", "valid_from", "share_of_base_rate", "scheme"}, parse)


def load_excise_rates(text: str) -> tuple[ExciseRate, ...]:
    """Columns: code_prefix, valid_from, valid_to, amount, unit_code, payment_code, currency."""

    def parse(r: dict[str, str]) -> ExciseRate:
        return ExciseRate(
            code_prefix=r["code_prefix"].strip(),
            valid_from=_date(r["valid_from"], "valid_from"),
            valid_to=_optional_date(r.get("valid_to"), "valid_to"),
            amount=_decimal(r["amount"], "amount"),
            unit_code=r["unit_code"].strip(),
            payment_code=r["payment_code"].strip(),
            currency=_text(r.get("currency")) or RUB,
        )

    return _load(text, {"code_prefix", "valid_from", "amount", "unit_code", "payment_code"}, parse)


def load_vat_rates(text: str) -> tuple[VatRate, ...]:
    """Columns: code_prefix (empty for the general rate), valid_from, valid_to, percent."""

    def parse(r: dict[str, str]) -> VatRate:
        return VatRate(
            code_prefix=(r.get("code_prefix") or "").strip(),
            valid_from=_date(r["valid_from"], "valid_from"),
            valid_to=_optional_date(r.get("valid_to"), "valid_to"),
            percent=_decimal(r["percent"], "percent"),
        )

    return _load(text, {"code_prefix", "valid_from", "percent"}, parse)


def load_fee_bands(text: str) -> tuple[FeeBand, ...]:
    """Columns: valid_from, valid_to, value_over, value_up_to (empty for the top band), fee."""

    def parse(r: dict[str, str]) -> FeeBand:
        return FeeBand(
            valid_from=_date(r["valid_from"], "valid_from"),
            valid_to=_optional_date(r.get("valid_to"), "valid_to"),
            value_over=_decimal(r["value_over"], "value_over"),
            value_up_to=_optional_decimal(r.get("value_up_to"), "value_up_to"),
            fee=_decimal(r["fee"], "fee"),
        )

    return _load(text, {"valid_from", "value_over", "fee"}, parse)


def load_exchange_rates(text: str) -> tuple[ExchangeRate, ...]:
    """Columns: currency, rate_date, rate (RUB per `units`), units (default 1)."""

    def parse(r: dict[str, str]) -> ExchangeRate:
        units = int(_text(r.get("units")) or "1")
        if units < 1:
            raise TariffTableError("units: must be at least 1")
        return ExchangeRate(
            currency=r["currency"].strip(),
            rate_date=_date(r["rate_date"], "rate_date"),
            rate=_decimal(r["rate"], "rate"),
            units=units,
        )

    return _load(text, {"currency", "rate_date", "rate"}, parse)


@cache
def shipped_fee_scale() -> tuple[FeeBand, ...]:
    """The Russian customs clearance fee scale shipped with the project (see the module docstring)."""
    return load_fee_bands((DATA_DIR / "customs_fee_scale.csv").read_text(encoding="utf-8"))
