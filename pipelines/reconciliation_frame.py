"""Duty reconciliation as Polars frames: the figures per declaration and payment type, and their differences classified.

Pure: no Dagster, no I/O. Money is integer kopecks (Int64) throughout, never floats. One row per declaration x
payment type (`FIGURES`):

- calculated: the platform's calculation at filing (the goods items as submitted, the tables on the declaration
  date); declared: the same calculation over the declaration as it stands (after any correction, KDT);
- assessed: the authority's figure stated on release (the declared figure when it stated none);
- paid: finance's payments for the declaration (the ledger's duty postings less refunds), allocated to the payment
  types in code order up to each assessed amount, any excess on the last type (`allocate_paid`);
- the explanations' inputs: the rates declared and assessed (as the tariff states them), and the declared figure
  recomputed at the tariff rates in force on release (FX as filed) and at the exchange rate of the date the
  authority applied (rates as filed).

Three comparisons, each giving at most one class per row (`classify`): filing (declared vs calculated: manual
correction when the declaration was corrected), assessment (assessed vs declared: rate changed, FX date), payment
(paid vs assessed: missing payment, overpayment). A difference of at most one kopeck is rounding in any of them;
a difference nothing explains is `unexplained`. `findings` lists one row per (declaration, payment type, class).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from streams.customs.calculation import CalculationError, PaymentCalculation, calculate_payments
from streams.customs.declaration import Declaration
from streams.customs.duty_tables import TariffTables
from streams.customs.reconciliation import DifferenceClass

ROUNDING_KOPECKS = 1  # the rounding rule: each line rounded to kopecks, half up, so at most one kopeck apart
MONEY = pl.Int64

FIGURES: dict[str, Any] = {
    "tenant_id": pl.String,
    "declaration_id": pl.String,
    "payment_code": pl.String,
    "calculated": MONEY,
    "declared": MONEY,
    "assessed": MONEY,
    "paid_total": MONEY,  # the declaration's payments, before allocation to payment types
    "declared_rate": pl.String,
    "assessed_rate": pl.String,  # "" when the authority stated none
    "at_release_rates": MONEY,  # null when the tables cannot say
    "at_assessed_fx": MONEY,  # null when no exchange-rate date was stated
    "corrected": pl.Boolean,  # an operator applied a correction after filing
}
FINDINGS: dict[str, Any] = {
    "tenant_id": pl.String,
    "declaration_id": pl.String,
    "payment_code": pl.String,
    "difference_class": pl.String,
    "difference": MONEY,
    "calculated": MONEY,
    "declared": MONEY,
    "assessed": MONEY,
    "paid": MONEY,
    "declared_rate": pl.String,
    "assessed_rate": pl.String,
}


def kopecks(amount: Decimal) -> int:
    return int(amount.scaleb(2).to_integral_exact())


def roubles(amount_kopecks: int) -> Decimal:
    return Decimal(amount_kopecks).scaleb(-2)


# Building the figures (per declaration, from the domain's own calculation) ----------------------------------


@dataclass(frozen=True)
class Reconciled:
    """One released declaration and what finance paid for it (kopecks)."""

    tenant_id: str
    declaration_id: str
    declaration: Declaration
    released_on: date
    paid_kopecks: int


_PINNED: dict[tuple[int, date], tuple[TariffTables, TariffTables]] = {}  # (tables, date) -> (tables, pinned)
_PINNED_MAX = 256


def fx_as_of(tables: TariffTables, on: date) -> TariffTables:
    """The tables with every currency's official rate fixed at the one in force on `on`, whatever date is asked.

    Remembered per tables and date: a run asks the same few dates of each tenant's tables for every declaration,
    and the tables' lookups are indexed once per instance."""
    cached = _PINNED.get((id(tables), on))
    if cached is not None and cached[0] is tables:
        return cached[1]
    if len(_PINNED) >= _PINNED_MAX:
        _PINNED.clear()
    pinned_tables = _pin(tables, on)
    _PINNED[(id(tables), on)] = (tables, pinned_tables)
    return pinned_tables


def _pin(tables: TariffTables, on: date) -> TariffTables:
    pinned = []
    for currency in sorted({rate.currency for rate in tables.exchange_rates}):
        try:
            pinned.append(replace(tables.exchange_rate(currency, on), rate_date=date.min))
        except LookupError:
            continue  # no rate yet on that date: a calculation needing it cannot be made
    return replace(tables, exchange_rates=tuple(pinned))


def _by_type(calculation: PaymentCalculation | None) -> dict[str, tuple[int, str]]:
    """Kopecks and the rates applied, per payment code."""
    if calculation is None:
        return {}
    rates: dict[str, set[str]] = {}
    for line in calculation.lines():
        rates.setdefault(line.payment_code, set()).add(line.rate)
    return {code: (kopecks(total), "; ".join(sorted(rates[code]))) for code, total in calculation.totals.items()}


def _calculate(declaration: Declaration, tables: TariffTables, on: date) -> PaymentCalculation | None:
    try:
        return calculate_payments(declaration, tables, on)
    except CalculationError:
        return None


def figures_of(reconciled: Reconciled, tables: TariffTables) -> list[dict[str, Any]]:
    """The rows of one declaration (FIGURES); none when the declaration has no declaration date to calculate on."""
    declaration = reconciled.declaration
    filed_on = declaration.header.declaration_date
    if filed_on is None:
        return []
    filed = replace(declaration, items=declaration.filed_items or declaration.items)
    calculated = _by_type(_calculate(filed, tables, filed_on))
    uncorrected = filed.items == declaration.items
    declared = calculated if uncorrected else _by_type(_calculate(declaration, tables, filed_on))
    at_release = _by_type(_calculate(declaration, fx_as_of(tables, filed_on), reconciled.released_on))
    assessed = {payment.payment_code: payment for payment in declaration.assessed}
    at_fx: dict[date, dict[str, tuple[int, str]]] = {}
    for fx_date in {p.exchange_rate_date for p in declaration.assessed if p.exchange_rate_date is not None}:
        at_fx[fx_date] = _by_type(_calculate(declaration, fx_as_of(tables, fx_date), filed_on))
    corrected = any(correction.applied_at is not None for correction in declaration.corrections)
    rows = []
    for code in sorted({*calculated, *declared, *assessed}):
        declared_kopecks, declared_rate = declared.get(code, (0, ""))
        stated = assessed.get(code)
        fx_figures = at_fx.get(stated.exchange_rate_date, {}) if stated and stated.exchange_rate_date else None
        rows.append({
            "tenant_id": reconciled.tenant_id,
            "declaration_id": reconciled.declaration_id,
            "payment_code": code,
            "calculated": calculated.get(code, (0, ""))[0],
            "declared": declared_kopecks,
            "assessed": kopecks(stated.amount) if stated else declared_kopecks,
            "paid_total": reconciled.paid_kopecks,
            "declared_rate": declared_rate,
            "assessed_rate": stated.rate if stated else "",
            "at_release_rates": at_release[code][0] if code in at_release else None,
            "at_assessed_fx": fx_figures[code][0] if fx_figures and code in fx_figures else None,
            "corrected": corrected,
        })  # fmt: skip
    return rows


def figures_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=FIGURES)


# Classification (pure expressions over the frame) -----------------------------------------------------------


def allocate_paid(frame: pl.DataFrame) -> pl.DataFrame:
    """`paid` per row: the declaration's payments spread over its payment types in code order, each up to its
    assessed amount; whatever exceeds the total assessed falls on the last type (an overpayment to reclaim).

    Sorted once, then running sums over the whole frame less each declaration's start: no grouping by hash."""
    declaration, assessed, total = pl.col("declaration_id"), pl.col("assessed"), pl.col("paid_total")
    first = (declaration != declaration.shift(1)).fill_null(True)
    last = (declaration != declaration.shift(-1)).fill_null(True)
    running = assessed.cum_sum()
    ordered = frame.sort("declaration_id", "payment_code").with_columns(
        _start=pl.when(first).then(running - assessed).forward_fill(),
        _end=pl.when(last).then(running).backward_fill(),
        _running=running,
    )
    before = pl.col("_running") - assessed - pl.col("_start")
    share = pl.min_horizontal(assessed, (total - before).clip(lower_bound=0))
    excess = (total - (pl.col("_end") - pl.col("_start"))).clip(lower_bound=0)
    paid = share + pl.when(last).then(excess).otherwise(0)
    return ordered.with_columns(paid=paid).drop("_start", "_end", "_running")


def _rounding_or(difference: pl.Expr, otherwise: pl.Expr) -> pl.Expr:
    return (
        pl.when(difference == 0)
        .then(pl.lit(None, pl.String))
        .when(difference.abs() <= ROUNDING_KOPECKS)
        .then(pl.lit(DifferenceClass.ROUNDING.value))
        .otherwise(otherwise)
    )


def _near(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a - b).abs() <= ROUNDING_KOPECKS


def filing_class() -> pl.Expr:
    """Declared vs calculated at filing: only a correction after filing may move the declared figure."""
    manual = pl.when(pl.col("corrected")).then(pl.lit(DifferenceClass.MANUAL_CORRECTION.value))
    return _rounding_or(pl.col("declared") - pl.col("calculated"), manual.otherwise(pl.lit("unexplained")))


def assessment_class() -> pl.Expr:
    """Assessed vs declared: another tariff rate (stated, or the release date's rates give the assessed figure),
    else the exchange rate of the date the authority applied gives it."""
    assessed = pl.col("assessed")
    rate_stated_otherwise = (pl.col("assessed_rate") != "") & (pl.col("assessed_rate") != pl.col("declared_rate"))
    release_rates_explain = _near(pl.col("at_release_rates"), assessed).fill_null(False)
    fx_explains = _near(pl.col("at_assessed_fx"), assessed).fill_null(False)
    explained = (
        pl.when(rate_stated_otherwise | release_rates_explain)
        .then(pl.lit(DifferenceClass.RATE_CHANGED.value))
        .when(fx_explains)
        .then(pl.lit(DifferenceClass.FX_DATE.value))
        .otherwise(pl.lit(DifferenceClass.UNEXPLAINED.value))
    )
    return _rounding_or(assessed - pl.col("declared"), explained)


def payment_class() -> pl.Expr:
    """Paid vs assessed: short is a missing payment, over is an overpayment to reclaim."""
    difference = pl.col("paid") - pl.col("assessed")
    side = (
        pl.when(difference < 0)
        .then(pl.lit(DifferenceClass.MISSING_PAYMENT.value))
        .otherwise(pl.lit(DifferenceClass.OVERPAYMENT.value))
    )
    return _rounding_or(difference, side)


COMPARISONS: tuple[tuple[str, pl.Expr, pl.Expr], ...] = (
    ("filing", filing_class(), pl.col("declared") - pl.col("calculated")),
    ("assessment", assessment_class(), pl.col("assessed") - pl.col("declared")),
    ("payment", payment_class(), pl.col("paid") - pl.col("assessed")),
)


def classify(figures: pl.DataFrame) -> pl.DataFrame:
    """The figures with `paid` allocated and a class and difference per comparison (null class: they agree)."""
    allocated = allocate_paid(figures)
    return allocated.with_columns(
        *(cls.alias(f"{name}_class") for name, cls, _ in COMPARISONS),
        *(difference.alias(f"{name}_difference") for name, _, difference in COMPARISONS),
    )


def findings(figures: pl.DataFrame) -> pl.DataFrame:
    """One row per (declaration, payment type, class) with the difference it explains (FINDINGS); an exact match
    gives none. Two comparisons giving the same class on a row (e.g. rounding) make one finding, the first's."""
    classified = classify(figures)
    keep = [c for c in FINDINGS if c not in ("difference_class", "difference")]
    parts = [
        classified.filter(pl.col(f"{name}_class").is_not_null()).select(
            *keep,
            pl.col(f"{name}_class").alias("difference_class"),
            pl.col(f"{name}_difference").alias("difference"),
        )
        for name, _, _ in COMPARISONS
    ]
    return (
        pl.concat(parts)
        .unique(subset=["declaration_id", "payment_code", "difference_class"], keep="first", maintain_order=True)
        .select(list(FINDINGS))
    )


def explanation(finding: Mapping[str, Any]) -> str:
    """A sentence for the declarant, in roubles."""
    money = {k: f"{roubles(finding[k])} RUB" for k in ("calculated", "declared", "assessed", "paid", "difference")}
    match DifferenceClass(finding["difference_class"]):
        case DifferenceClass.ROUNDING:
            return f"a rounding difference of {money['difference']}"
        case DifferenceClass.MANUAL_CORRECTION:
            return f"corrected after filing: declared {money['declared']}, calculated at filing {money['calculated']}"
        case DifferenceClass.RATE_CHANGED:
            return (
                f"assessed {money['assessed']} at rate {finding['assessed_rate'] or 'in force on release'},"
                f" declared {money['declared']} at {finding['declared_rate']}"
            )
        case DifferenceClass.FX_DATE:
            return f"assessed {money['assessed']} at another date's exchange rate, declared {money['declared']}"
        case DifferenceClass.MISSING_PAYMENT:
            return f"assessed {money['assessed']}, paid {money['paid']}: {roubles(-finding['difference'])} RUB due"
        case DifferenceClass.OVERPAYMENT:
            return f"assessed {money['assessed']}, paid {money['paid']}: {money['difference']} to reclaim"
        case DifferenceClass.UNEXPLAINED:
            return (
                f"calculated {money['calculated']}, declared {money['declared']}, assessed {money['assessed']},"
                f" paid {money['paid']}: not explained by rates, exchange rates or rounding"
            )
