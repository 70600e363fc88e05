"""Duty reconciliation's classification, by hand-made cases: each difference class detected, an exact match silent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from pipelines.reconciliation_frame import (
    Reconciled,
    allocate_paid,
    explanation,
    figures_frame,
    figures_of,
    findings,
    fx_as_of,
)
from streams.customs.codes import CLEARANCE_FEE, IMPORT_DUTY, VAT
from streams.customs.declaration import Correction, DeclarationStatus
from streams.customs.duty_tables import DutyKind, DutyRate, ExchangeRate
from streams.customs.examples import EXAMPLE_DATE, example_declaration, example_item, example_tariff_tables
from streams.customs.reconciliation import AssessedPayment


def row(**overrides: Any) -> dict[str, Any]:
    """One payment type whose four figures agree (1000.00 RUB), paid in full."""
    base: dict[str, Any] = {
        "tenant_id": "t1", "declaration_id": "d1", "payment_code": IMPORT_DUTY,
        "calculated": 100_000, "declared": 100_000, "assessed": 100_000, "paid_total": 100_000,
        "declared_rate": "5%", "assessed_rate": "5%", "at_release_rates": 100_000, "at_assessed_fx": None,
        "corrected": False,
    }  # fmt: skip
    return base | overrides


def found(*rows: dict[str, Any]) -> list[tuple[str, str, int]]:
    frame = findings(figures_frame(rows))
    return [(r["payment_code"], r["difference_class"], r["difference"]) for r in frame.iter_rows(named=True)]


def test_an_exact_match_produces_no_finding() -> None:
    assert found(row()) == []
    assert found(row(payment_code=CLEARANCE_FEE, paid_total=0, calculated=0, declared=0, assessed=0)) == []


def test_a_kopeck_apart_is_rounding() -> None:
    assert found(row(assessed=100_001, paid_total=100_001, at_release_rates=None)) == [(IMPORT_DUTY, "rounding", 1)]


def test_a_rate_the_authority_states_otherwise_is_a_rate_change() -> None:
    changed = row(assessed=150_000, paid_total=150_000, assessed_rate="7.5%", at_release_rates=None)
    assert found(changed) == [(IMPORT_DUTY, "rate_changed", 50_000)]
    # Not stated, but the tariff rates in force on release give the assessed figure.
    unstated = row(assessed=150_000, paid_total=150_000, assessed_rate="", at_release_rates=150_000)
    assert found(unstated) == [(IMPORT_DUTY, "rate_changed", 50_000)]


def test_the_exchange_rate_of_another_date_explains_an_fx_date_difference() -> None:
    other_date = row(assessed=101_234, paid_total=101_234, at_assessed_fx=101_234)
    assert found(other_date) == [(IMPORT_DUTY, "fx_date", 1_234)]
    unexplained = row(assessed=101_234, paid_total=101_234, at_assessed_fx=100_900)
    assert found(unexplained) == [(IMPORT_DUTY, "unexplained", 1_234)]


def test_a_correction_after_filing_is_a_manual_correction() -> None:
    corrected = row(calculated=120_000, corrected=True)
    assert found(corrected) == [(IMPORT_DUTY, "manual_correction", -20_000)]
    assert found(row(calculated=120_000)) == [(IMPORT_DUTY, "unexplained", -20_000)]  # moved, never corrected


def test_paid_short_is_a_missing_payment_and_paid_over_an_overpayment() -> None:
    assert found(row(paid_total=60_000)) == [(IMPORT_DUTY, "missing_payment", -40_000)]
    assert found(row(paid_total=130_000)) == [(IMPORT_DUTY, "overpayment", 30_000)]


def test_payments_are_allocated_in_code_order_and_the_excess_lands_on_the_last_type() -> None:
    fee = row(payment_code=CLEARANCE_FEE, calculated=775_00, declared=775_00, assessed=775_00)
    duty = row(payment_code=IMPORT_DUTY)
    vat = row(payment_code=VAT, calculated=220_000, declared=220_000, assessed=220_000)
    total = 775_00 + 100_000 + 220_000
    short = allocate_paid(figures_frame([r | {"paid_total": 150_000} for r in (vat, fee, duty)]))
    assert dict(short.select("payment_code", "paid").iter_rows()) == {CLEARANCE_FEE: 775_00, IMPORT_DUTY: 72_500,
                                                                      VAT: 0}  # fmt: skip
    over = [r | {"paid_total": total + 5_00} for r in (fee, duty, vat)]
    assert found(*over) == [(VAT, "overpayment", 5_00)]
    assert found(*[r | {"paid_total": total} for r in (fee, duty, vat)]) == []


def test_one_row_may_carry_several_classes_each_once() -> None:
    both = row(assessed=150_000, assessed_rate="7.5%", paid_total=100_000, calculated=100_001)
    assert found(both) == [
        (IMPORT_DUTY, "rounding", -1),  # declared - calculated
        (IMPORT_DUTY, "rate_changed", 50_000),
        (IMPORT_DUTY, "missing_payment", -50_000),
    ]


def test_each_class_explains_itself_in_roubles() -> None:
    frame = findings(figures_frame([row(paid_total=130_000)]))
    assert explanation(frame.row(0, named=True)) == "assessed 1000.00 RUB, paid 1300.00 RUB: 300.00 RUB to reclaim"


# The figures from the domain's own calculation ------------------------------------------------------------


TSHIRTS = example_item(1)  # dutiable (the laptops' duty is nil)


def released(**changes: Any) -> Reconciled:
    declaration = replace(example_declaration(), status=DeclarationStatus.RELEASED, items=(TSHIRTS,))
    declaration = replace(declaration, filed_items=declaration.items, **changes)
    return Reconciled("t1", "d1", declaration, date(2025, 3, 20), paid_kopecks=10**9)


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["payment_code"]: r for r in rows}


def test_figures_come_from_the_calculation_at_filing_and_as_declared() -> None:
    tables = example_tariff_tables()
    rows = by_code(figures_of(released(), tables))
    assert set(rows) >= {CLEARANCE_FEE, IMPORT_DUTY, VAT}
    duty = rows[IMPORT_DUTY]
    assert duty["calculated"] == duty["declared"] == duty["assessed"] > 0 and duty["at_assessed_fx"] is None
    # A corrected item: the calculation at filing keeps the filed items.
    item = TSHIRTS
    corrected = released(
        items=(replace(item, invoice_value=item.invoice_value * 2),),
        corrections=(Correction("c1", "value", datetime(2025, 3, 18, tzinfo=UTC), datetime(2025, 3, 18, tzinfo=UTC)),),
    )
    duty = by_code(figures_of(corrected, tables))[IMPORT_DUTY]
    assert duty["declared"] > duty["calculated"] and duty["corrected"]
    paid_in_full = duty | {"paid_total": duty["assessed"]}
    assert findings(figures_frame([paid_in_full]))["difference_class"].to_list() == ["manual_correction"]


def test_the_exchange_rate_of_the_authority_s_date_is_recomputed() -> None:
    tables = example_tariff_tables()
    item = TSHIRTS
    later = ExchangeRate(item.currency, date(2025, 3, 19), tables.exchange_rate(item.currency, EXAMPLE_DATE).rate * 2)
    tables = replace(tables, exchange_rates=(*tables.exchange_rates, later))
    assert fx_as_of(tables, date(2025, 3, 19)).exchange_rate(item.currency, EXAMPLE_DATE).rate == later.rate
    declared = by_code(figures_of(released(), tables))[IMPORT_DUTY]["declared"]
    at_fx = by_code(figures_of(released(), fx_as_of(tables, date(2025, 3, 19))))[IMPORT_DUTY]["declared"]
    stated = AssessedPayment(IMPORT_DUTY, Decimal(at_fx).scaleb(-2), "", date(2025, 3, 19))
    duty = by_code(figures_of(released(assessed=(stated,)), tables))[IMPORT_DUTY]
    assert duty["at_assessed_fx"] == duty["assessed"] == at_fx != declared
    assert found(duty | {"paid_total": at_fx}) == [(IMPORT_DUTY, "fx_date", at_fx - declared)]


def test_a_rate_in_force_on_release_is_recomputed() -> None:
    tables = example_tariff_tables()
    item = TSHIRTS
    higher = DutyRate(item.commodity_code, date(2025, 3, 19), None, DutyKind.AD_VALOREM, ad_valorem_percent=Decimal(50))
    tables = replace(tables, duty_rates=(*tables.duty_rates, higher))
    assert tables.duty_rate(item.commodity_code, item.origin_country, date(2025, 3, 20)) is higher
    duty = by_code(figures_of(released(), tables))[IMPORT_DUTY]
    assert duty["at_release_rates"] > duty["declared"]
    stated = AssessedPayment(IMPORT_DUTY, Decimal(duty["at_release_rates"]).scaleb(-2))  # no rate stated
    duty = by_code(figures_of(released(assessed=(stated,)), tables))[IMPORT_DUTY]
    assert found(duty | {"paid_total": duty["assessed"]}) == [
        (IMPORT_DUTY, "rate_changed", duty["assessed"] - duty["declared"])
    ]


def test_money_stays_integer_kopecks() -> None:
    frame = findings(figures_frame([row(paid_total=130_000)]))
    assert frame.schema["difference"] == pl.Int64 and frame.schema["paid"] == pl.Int64


def test_the_schedule_reconciles_the_day_that_ended_and_today_is_a_partition_too() -> None:
    from dagster import build_schedule_context

    from pipelines import defs
    from pipelines.reconciliation import RELEASE_DAYS, daily_reconciliation

    tick = build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 30, 1, 0, tzinfo=UTC), repository_def=defs.get_repository_def()
    )
    [request] = daily_reconciliation.evaluate_tick(tick).run_requests or []
    assert request.partition_key == "2026-11-29" and request.run_key == "2026-11-29"
    assert RELEASE_DAYS.get_last_partition_key() == datetime.now(UTC).date().isoformat()
