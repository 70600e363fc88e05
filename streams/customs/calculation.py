"""Customs payments of a declaration: customs value, import duty, excise, VAT and the clearance fee.

For each goods item, on the declaration date:
- customs value (RUB) = invoice value * the official rate of the invoice currency in force that day;
- import duty (2010) by the duty row found for the commodity code and origin (see `tariff`):
  ad valorem = customs value * %; specific = net kg (or supplementary quantity) * amount * rate of the
  rate's currency; "X% but not less than Y" = the greater of the two; "X% plus Y" = their sum; an origin
  preference multiplies the base-rate duty by its share;
- excise (the row's payment code) = quantity in the row's unit * amount (* rate when not in RUB);
- VAT (5010) = (customs value + duty + excise) * VAT %.
Once per declaration: the clearance fee (1010) from the fee band holding the total customs value.
Which payments apply comes from the procedure (codes.PROCEDURES): import payments for release for
domestic consumption, the fee for every procedure but transit.

Rounding (stated once, applied everywhere): arithmetic is exact Decimal; each item's customs value and
each item's amount per payment type are rounded to 2 decimal places ROUND_HALF_UP; VAT is computed on
the rounded customs value, duty and excise; the total customs value and the totals per payment type are
sums of the rounded item amounts. Every amount carries an `Explanation`: the formula with the numbers,
the inputs, and the table rows and rates used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from streams.customs.codes import CLEARANCE_FEE, IMPORT_DUTY, PROCEDURE_BY_CODE, VAT
from streams.customs.declaration import Declaration, FieldError, GoodsItem
from streams.customs.duty_tables import (
    DutyKind,
    DutyRate,
    ExchangeRate,
    SpecificBasis,
    TariffDataMissing,
    TariffTables,
)

KOPECK = Decimal("0.01")
HUNDRED = Decimal(100)


def round_money(amount: Decimal) -> Decimal:
    """Round to kopecks, half up: the project's one rounding rule for amounts."""
    return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Explanation:
    formula: str  # the computation with its numbers, e.g. "92500.00 RUB * 5% = 4625.00 RUB"
    inputs: dict[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # the table rows and rates used


KILOGRAM = "166"  # OKEI code of the kilogram, the unit of a per-kg specific rate


class RateCombination(StrEnum):
    """How the two parts of a combined duty rate combine (box 47's comparison or operation sign)."""

    NOT_LESS_THAN = "not_less_than"  # X% but not less than Y per kg/unit: the greater applies
    PLUS = "plus"  # X% plus Y per kg/unit


@dataclass(frozen=True)
class RatePart:
    """One part of a duty rate as box 47 prints it: a percentage, or an amount per unit in a currency."""

    value: Decimal
    ad_valorem: bool  # True: percent of the customs value; False: specific, `currency` per `unit_code`
    currency: str | None = None
    unit_code: str | None = None  # OKEI code of the unit the specific amount is per


@dataclass(frozen=True)
class PaymentLine:
    payment_code: str
    amount: Decimal  # RUB, rounded to kopecks
    tax_base: Decimal
    rate: str  # the rate as the tariff states it, e.g. "5% but not less than 0.3 EUR/kg"
    explanation: Explanation
    item_number: int | None = None  # None for a payment due once per declaration
    rate_percent: Decimal | None = None  # set when the amount is a plain percentage of the tax base
    rate_parts: tuple[RatePart, ...] = ()  # a duty's rate, part by part (after any origin preference)
    combination: RateCombination | None = None  # how two parts combine


@dataclass(frozen=True)
class ItemCalculation:
    item_id: str
    item_number: int
    customs_value: Decimal  # RUB, rounded to kopecks
    customs_value_explanation: Explanation
    payments: tuple[PaymentLine, ...]


@dataclass(frozen=True)
class PaymentCalculation:
    declaration_date: date
    items: tuple[ItemCalculation, ...]
    total_customs_value: Decimal
    fee: PaymentLine | None
    totals: dict[str, Decimal]  # by payment code: sums of rounded item amounts (and the fee)

    @property
    def grand_total(self) -> Decimal:
        return sum(self.totals.values(), Decimal(0))

    def lines(self) -> Iterator[PaymentLine]:
        for item in self.items:
            yield from item.payments
        if self.fee is not None:
            yield self.fee


class CalculationError(ValueError):
    """The calculation needs data the tables do not have; each problem names the item it concerns."""

    def __init__(self, problems: tuple[FieldError, ...]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def _rate_source(rate: ExchangeRate, on: date) -> str:
    if rate.currency == "RUB":
        return "RUB needs no conversion"
    return f"official {rate.currency} rate {rate.rate} RUB per {rate.units} dated {rate.rate_date}, in force on {on}"


def _customs_value(item: GoodsItem, tables: TariffTables, on: date) -> tuple[Decimal, Explanation]:
    rate = tables.exchange_rate(item.currency, on)
    value = round_money(item.invoice_value * rate.per_unit)
    formula = f"{item.invoice_value} {item.currency} * {rate.rate}/{rate.units} RUB = {value} RUB"
    inputs = {"invoice_value": f"{item.invoice_value} {item.currency}", "exchange_rate": f"{rate.per_unit}"}
    return value, Explanation(formula, inputs, (_rate_source(rate, on),))


def _specific_duty(
    row: DutyRate, item: GoodsItem, tables: TariffTables, on: date, number: int
) -> tuple[Decimal, str, str]:
    """The specific part of a duty in RUB (unrounded), its formula text and its rate source."""
    if row.specific_basis is SpecificBasis.NET_KG:
        quantity, unit = item.net_weight_kg, "kg net"
    else:
        if row.unit_code != item.unit_code:
            raise TariffDataMissing(
                f"item {number}: the duty is per unit {row.unit_code} but the item is declared in unit {item.unit_code}"
            )
        quantity, unit = item.quantity, f"unit {item.unit_code}"
    rate = tables.exchange_rate(row.specific_currency, on)
    amount = quantity * row.specific_amount * rate.per_unit
    formula = f"{quantity} {unit} * {row.specific_amount} {row.specific_currency} * {rate.per_unit} RUB"
    return amount, formula, _rate_source(rate, on)


def _duty(item: GoodsItem, customs_value: Decimal, tables: TariffTables, on: date, number: int) -> PaymentLine:
    row = tables.duty_rate(item.commodity_code, item.origin_country, on)
    ad_valorem = customs_value * row.ad_valorem_percent / HUNDRED
    ad_valorem_text = f"{customs_value} RUB * {row.ad_valorem_percent}%"
    origin = f" for origin {row.origin_country}" if row.origin_country else ""
    sources = [f"duty_rates: prefix {row.code_prefix!r}{origin}, in force from {row.valid_from}: {row.describe()}"]
    if row.kind is DutyKind.AD_VALOREM:
        exact, formula = ad_valorem, ad_valorem_text
    else:
        specific, specific_text, specific_source = _specific_duty(row, item, tables, on, number)
        sources.append(specific_source)
        if row.kind is DutyKind.SPECIFIC:
            exact, formula = specific, specific_text
        elif row.kind is DutyKind.AD_VALOREM_PLUS_SPECIFIC:
            exact, formula = ad_valorem + specific, f"({ad_valorem_text}) + ({specific_text})"
        elif ad_valorem >= specific:
            exact = ad_valorem
            formula = f"max({ad_valorem_text} = {ad_valorem}, {specific_text} = {specific}): ad valorem applies"
        else:
            exact = specific
            formula = f"max({ad_valorem_text} = {ad_valorem}, {specific_text} = {specific}): the minimum applies"
    preference = tables.preference(item.origin_country, on) if row.origin_country is None else None
    if preference is not None:
        exact = exact * preference.share_of_base_rate
        formula = f"({formula}) * {preference.share_of_base_rate} ({preference.scheme} preference)"
        sources.append(
            f"preferences: {preference.country_code} {preference.scheme}, in force from {preference.valid_from}: "
            f"{preference.share_of_base_rate} of the base rate"
        )
    amount = round_money(exact)
    rate_text = row.describe() + (f" * {preference.share_of_base_rate}" if preference else "")
    explanation = Explanation(
        f"{formula} = {exact} -> {amount} RUB",
        {
            "customs_value": f"{customs_value} RUB",
            "net_weight_kg": f"{item.net_weight_kg}",
            "quantity": f"{item.quantity}",
        },
        tuple(sources),
    )
    share = preference.share_of_base_rate if preference else Decimal(1)
    percent = row.ad_valorem_percent * share if row.kind is DutyKind.AD_VALOREM else None
    parts, combination = _rate_parts(row, share)
    return PaymentLine(IMPORT_DUTY, amount, customs_value, rate_text, explanation, number, percent, parts, combination)


def _rate_parts(row: DutyRate, share: Decimal) -> tuple[tuple[RatePart, ...], RateCombination | None]:
    """The rate's parts for box 47: ad valorem first, then the specific amount, and how they combine."""
    ad_valorem = RatePart(row.ad_valorem_percent * share, ad_valorem=True)
    unit = KILOGRAM if row.specific_basis is SpecificBasis.NET_KG else row.unit_code
    specific = RatePart(row.specific_amount * share, ad_valorem=False, currency=row.specific_currency, unit_code=unit)
    return {
        DutyKind.AD_VALOREM: ((ad_valorem,), None),
        DutyKind.SPECIFIC: ((specific,), None),
        DutyKind.AD_VALOREM_MINIMUM_SPECIFIC: ((ad_valorem, specific), RateCombination.NOT_LESS_THAN),
        DutyKind.AD_VALOREM_PLUS_SPECIFIC: ((ad_valorem, specific), RateCombination.PLUS),
    }[row.kind]


def _excise(item: GoodsItem, tables: TariffTables, on: date, number: int) -> PaymentLine | None:
    row = tables.excise_rate(item.commodity_code, on)
    if row is None:
        return None
    if row.unit_code != item.unit_code:
        raise TariffDataMissing(
            f"item {number}: excise is per unit {row.unit_code} but the item is declared in unit {item.unit_code}"
        )
    rate = tables.exchange_rate(row.currency, on)
    exact = item.quantity * row.amount * rate.per_unit
    amount = round_money(exact)
    explanation = Explanation(
        f"{item.quantity} unit {row.unit_code} * {row.amount} {row.currency} * {rate.per_unit}"
        f" = {exact} -> {amount} RUB",
        {"quantity": f"{item.quantity}", "unit_code": row.unit_code},
        (
            f"excise_rates: prefix {row.code_prefix!r}, in force from {row.valid_from}: "
            f"{row.amount} {row.currency} per unit {row.unit_code}",
            _rate_source(rate, on),
        ),
    )
    return PaymentLine(
        row.payment_code, amount, item.quantity, f"{row.amount} {row.currency}/{row.unit_code}", explanation, number
    )


def _vat(
    item: GoodsItem, customs_value: Decimal, duty: Decimal, excise: Decimal, tables: TariffTables, on: date, number: int
) -> PaymentLine:
    row = tables.vat_rate(item.commodity_code, on)
    base = customs_value + duty + excise
    exact = base * row.percent / HUNDRED
    amount = round_money(exact)
    explanation = Explanation(
        f"({customs_value} + {duty} + {excise}) RUB * {row.percent}% = {exact} -> {amount} RUB",
        {"customs_value": f"{customs_value}", "duty": f"{duty}", "excise": f"{excise}"},
        (f"vat_rates: prefix {row.code_prefix!r}, in force from {row.valid_from}: {row.percent}%",),
    )
    return PaymentLine(VAT, amount, base, f"{row.percent}%", explanation, number, row.percent)


def _item(item: GoodsItem, number: int, tables: TariffTables, on: date, import_payments: bool) -> ItemCalculation:
    customs_value, value_explanation = _customs_value(item, tables, on)
    payments: list[PaymentLine] = []
    if import_payments:
        duty = _duty(item, customs_value, tables, on, number)
        excise = _excise(item, tables, on, number)
        payments.append(duty)
        if excise is not None:
            payments.append(excise)
        excise_amount = excise.amount if excise is not None else Decimal("0.00")
        payments.append(_vat(item, customs_value, duty.amount, excise_amount, tables, on, number))
    return ItemCalculation(item.item_id, number, customs_value, value_explanation, tuple(payments))


def _fee(total_customs_value: Decimal, tables: TariffTables, on: date) -> PaymentLine:
    band = tables.fee_band(total_customs_value, on)
    explanation = Explanation(
        f"total customs value {total_customs_value} RUB falls in the band {band.describe()}",
        {"total_customs_value": f"{total_customs_value}"},
        (f"fee_bands: in force from {band.valid_from}: {band.describe()}",),
    )
    return PaymentLine(CLEARANCE_FEE, round_money(band.fee), total_customs_value, f"{band.fee} RUB", explanation)


def calculate_payments(declaration: Declaration, tables: TariffTables, on: date) -> PaymentCalculation:
    """All payments of the declaration on its declaration date `on`; raises CalculationError listing every gap."""
    procedure = PROCEDURE_BY_CODE.get(declaration.header.procedure_code)
    if procedure is None:
        raise CalculationError((FieldError("header.procedure_code", "unknown customs procedure"),))
    items: list[ItemCalculation] = []
    problems: list[FieldError] = []
    for number, item in enumerate(declaration.items, start=1):
        try:
            items.append(_item(item, number, tables, on, procedure.assesses_import_payments))
        except TariffDataMissing as missing:
            problems.append(FieldError(f"items[{number}]", str(missing)))
    total_customs_value = sum((i.customs_value for i in items), Decimal("0.00"))
    fee: PaymentLine | None = None
    if procedure.charges_clearance_fee and not problems:
        try:
            fee = _fee(total_customs_value, tables, on)
        except TariffDataMissing as missing:
            problems.append(FieldError("fee", str(missing)))
    if problems:
        raise CalculationError(tuple(problems))
    totals: dict[str, Decimal] = {}
    for line in (*(p for i in items for p in i.payments), *((fee,) if fee else ())):
        totals[line.payment_code] = totals.get(line.payment_code, Decimal("0.00")) + line.amount
    return PaymentCalculation(on, tuple(items), total_customs_value, fee, totals)
