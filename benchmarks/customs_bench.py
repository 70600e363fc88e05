"""Customs benchmark: payment calculation and ESADout_CU export time by declaration size, and HS accuracy.

    python -m benchmarks.customs_bench            # both
    python -m benchmarks.customs_bench timing     # 1, 50 and 500 items: median time per declaration and per item
    python -m benchmarks.customs_bench accuracy   # top-1/top-3 at 4 and 6 digits on the labelled set

The XSD is parsed once (and timed on its own) before any export is timed, so the export figures are the
building and validating of documents only; per-item times that stay flat as items grow show linear growth.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from streams.customs.calculation import PaymentCalculation, calculate_payments
from streams.customs.classification import default_classifier, labelled_examples, measure_accuracy
from streams.customs.declaration import Declaration
from streams.customs.esad_xml import ExportResult, esad_schema, export_declaration
from streams.customs.examples import EXAMPLE_DATE, example_declaration, example_tariff_tables

SIZES = (1, 50, 500)
OPERATIONS = ("calculation", "XML export + XSD validation")
CREATED_AT = datetime(2025, 3, 17, 10, 0, tzinfo=UTC)


def _median_seconds(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _export(declaration: Declaration, calculation: PaymentCalculation) -> ExportResult:
    result = export_declaration(
        declaration, document_id="bench", created_at=CREATED_AT, on=EXAMPLE_DATE, calculation=calculation
    )
    if result.xml is None:
        raise RuntimeError(f"export failed: {result.errors[:3]}")
    return result


def timing(repeats: int) -> None:
    started = time.perf_counter()
    esad_schema()
    print(f"XSD parsed once in {1000 * (time.perf_counter() - started):.1f} ms (cached for every export)\n")
    tables = example_tariff_tables()
    rows: list[tuple[str, int, float]] = []
    for size in SIZES:
        declaration = example_declaration(size)
        calculation = calculate_payments(declaration, tables, EXAMPLE_DATE)
        rows.append(
            (
                "calculation",
                size,
                _median_seconds(partial(calculate_payments, declaration, tables, EXAMPLE_DATE), repeats),
            )
        )
        rows.append(
            ("XML export + XSD validation", size, _median_seconds(partial(_export, declaration, calculation), repeats))
        )
    print(f"{'operation':<30}{'items':>7}{'ms/declaration':>17}{'ms/item':>10}{'x vs 1 item':>13}{'per item x':>12}")
    for operation in ("calculation", "XML export + XSD validation"):
        baseline = next(seconds for name, size, seconds in rows if name == operation and size == 1)
        for name, size, seconds in rows:
            if name != operation:
                continue
            per_item = seconds / size
            print(
                f"{name:<30}{size:>7}{1000 * seconds:>17.2f}{1000 * per_item:>10.3f}"
                f"{seconds / baseline:>13.1f}{per_item / baseline:>12.3f}"
            )
    print(f"\nmedian of {repeats} runs each; 'per item x' is the time per item relative to the 1-item declaration")


def accuracy() -> None:
    started = time.perf_counter()
    default_classifier()
    print(f"HS nomenclature indexed in {1000 * (time.perf_counter() - started):.0f} ms")
    examples = labelled_examples()
    started = time.perf_counter()
    result = measure_accuracy(examples)
    elapsed = time.perf_counter() - started
    print(f"{result.count} labelled descriptions, {1000 * elapsed / result.count:.2f} ms per suggestion")
    print(f"{'level':<22}{'top-1 %':>9}{'top-3 %':>9}")
    print(f"{'heading (4 digits)':<22}{result.top1_heading:>9.1f}{result.top3_heading:>9.1f}")
    print(f"{'subheading (6 digits)':<22}{result.top1_subheading:>9.1f}{result.top3_subheading:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=("timing", "accuracy", "all"), default="all")
    parser.add_argument("--repeats", type=int, default=7)
    arguments = parser.parse_args()
    if arguments.what in ("timing", "all"):
        timing(arguments.repeats)
    if arguments.what == "all":
        print()
    if arguments.what in ("accuracy", "all"):
        accuracy()


if __name__ == "__main__":
    main()
