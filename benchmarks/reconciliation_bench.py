"""Benchmark of the duty reconciliation over 100,000 generated declarations: Polars beside a row-by-row baseline.

Run: `python -m benchmarks.reconciliation_bench [--declarations N] [--calculated N] [--seed N]` (no stack needed).

Printed, all measured in the same run:
- the asset's reconciliation function (`findings`: allocation of payments, the three comparisons, one row per
  finding) over the figures of N declarations (three payment types each), with Polars;
- the same classification row by row in pure Python (integer kopecks), as the baseline, and the ratio; both must
  find the same findings;
- building the figures with the domain's own calculation (`figures_of`, pure Python) for `--calculated`
  declarations, scaled to N: the part of the asset's time the frame does not take.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any

import polars as pl

from pipelines.reconciliation_frame import ROUNDING_KOPECKS, Reconciled, figures_frame, figures_of, findings
from streams.customs.declaration import DeclarationStatus
from streams.customs.examples import example_declaration, example_item, example_tariff_tables

CODES = ("1010", "2010", "5010")


def generated_figures(declarations: int, seed: int) -> list[dict[str, Any]]:
    """Three payment types per declaration; about one in five carries some difference."""
    rng = random.Random(seed)
    rows = []
    for n in range(declarations):
        paid_total = 0
        lines = []
        for code in CODES:
            declared = rng.randrange(100_00, 5_000_000_00)
            calculated, assessed, rate = declared, declared, "5%"
            at_fx: int | None = None
            match rng.randrange(10):
                case 0:
                    calculated = declared + rng.randrange(-50_000, 50_000)
                case 1:
                    assessed, rate = declared + rng.randrange(1, 100_000), "7.5%"
                case 2:
                    assessed = at_fx = declared + rng.randrange(2, 20_000)
                case 3:
                    assessed = declared + rng.choice((-1, 1))
            paid_total += assessed
            lines.append((code, calculated, declared, assessed, rate, at_fx))
        paid_total += rng.choice((0, 0, 0, -10_000, 25_000))
        for code, calculated, declared, assessed, rate, at_fx in lines:
            rows.append({
                "tenant_id": f"t{n % 7}", "declaration_id": f"d{n}", "payment_code": code, "calculated": calculated,
                "declared": declared, "assessed": assessed, "paid_total": paid_total, "declared_rate": "5%",
                "assessed_rate": rate, "at_release_rates": declared, "at_assessed_fx": at_fx,
                "corrected": n % 3 == 0,
            })  # fmt: skip
    return rows


def classify_rows(rows: list[dict[str, Any]]) -> set[tuple[str, str, str, int]]:
    """The baseline: the same rules, one row at a time (rows grouped by declaration, codes in order)."""

    def rounding_or(difference: int, otherwise: str) -> str | None:
        if difference == 0:
            return None
        return "rounding" if abs(difference) <= ROUNDING_KOPECKS else otherwise

    by_declaration: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_declaration[row["declaration_id"]].append(row)
    found: set[tuple[str, str, str, int]] = set()
    for declaration_id, lines in by_declaration.items():
        lines.sort(key=lambda r: r["payment_code"])
        total_assessed = sum(r["assessed"] for r in lines)
        before = 0
        for position, row in enumerate(lines):
            assessed = row["assessed"]
            paid = min(assessed, max(row["paid_total"] - before, 0))
            if position == len(lines) - 1:
                paid += max(row["paid_total"] - total_assessed, 0)
            before += assessed
            filing = row["declared"] - row["calculated"]
            assessment = assessed - row["declared"]
            payment = paid - assessed

            def near(other: int | None, assessed: int = assessed) -> bool:
                return other is not None and abs(other - assessed) <= ROUNDING_KOPECKS

            rate_changed = (row["assessed_rate"] not in ("", row["declared_rate"])) or near(row["at_release_rates"])
            classes = [
                (rounding_or(filing, "manual_correction" if row["corrected"] else "unexplained"), filing),
                (rounding_or(assessment, "rate_changed" if rate_changed else
                             "fx_date" if near(row["at_assessed_fx"]) else "unexplained"), assessment),
                (rounding_or(payment, "missing_payment" if payment < 0 else "overpayment"), payment),
            ]  # fmt: skip
            seen: set[str] = set()
            for cls, difference in classes:
                if cls is not None and cls not in seen:
                    seen.add(cls)
                    found.add((declaration_id, row["payment_code"], cls, difference))
    return found


def timed(label: str, run: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:8.3f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--calculated", type=int, default=2_000, help="declarations put through the calculation")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    rows = generated_figures(args.declarations, args.seed)
    print(f"{args.declarations} declarations, {len(rows)} payment lines, polars {pl.__version__}")
    frame, build = timed("frame from the figures (figures_frame)", lambda: figures_frame(rows))
    found, polars_time = timed("reconciliation with Polars (findings)", lambda: findings(frame))
    baseline, python_time = timed("the same classification row by row (pure Python)", lambda: classify_rows(rows))
    as_set = {(r["declaration_id"], r["payment_code"], r["difference_class"], r["difference"])
              for r in found.iter_rows(named=True)}  # fmt: skip
    assert as_set == baseline, "Polars and the baseline disagree"
    print(f"findings: {found.height} ({dict(sorted(found['difference_class'].value_counts().iter_rows()))})")
    print(f"Polars is {python_time / polars_time:.1f}x the row-by-row baseline (frame build {build:.3f} s apart)")

    tables = example_tariff_tables()
    base = replace(example_declaration(), status=DeclarationStatus.RELEASED, items=(example_item(1), example_item(3)))
    base = replace(base, filed_items=base.items)
    released = [Reconciled("t", f"d{n}", base, date(2025, 3, 20), 0) for n in range(args.calculated)]
    _, calc_time = timed(
        f"figures from the domain's calculation, {args.calculated} declarations",
        lambda: [figures_of(r, tables) for r in released],
    )
    scaled = calc_time / args.calculated * args.declarations
    print(f"the asset for {args.declarations} declarations: ~{scaled + build + polars_time:.1f} s "
          f"(calculation ~{scaled:.1f} s scaled, frame {build:.2f} s, classification {polars_time:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
