"""Customs benchmark: payment calculation and ESADout_CU export time by declaration size, and HS accuracy.

    python -m benchmarks.customs_bench            # both
    python -m benchmarks.customs_bench timing     # 1, 50 and 500 items: median time per declaration and per item
    python -m benchmarks.customs_bench accuracy   # classification only: top-1/top-3 at 4, 6 and 10 digits
    python -m benchmarks.customs_bench accuracy --compare   # ... and pymorphy3 lemmas against Snowball stems

Classification is measured per language on the labelled sets (data/classification_labelled*.csv): on the
tuning part (two of every three descriptions, which the weights and synonyms were tuned on), on the held-out
part (every third) and on all; with the build time of the nomenclature index and the time per suggestion.

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
from streams.customs.classification import (
    CONFIDENT_MATCH_SHARE,
    Accuracy,
    Classifier,
    default_classifier,
    labelled_examples,
    measure_accuracy,
    split_for_tuning,
)
from streams.customs.declaration import Declaration
from streams.customs.esad_xml import ExportResult, esad_schema, export_declaration
from streams.customs.examples import EXAMPLE_DATE, example_declaration, example_tariff_tables
from streams.customs.nomenclature import read_nomenclature
from streams.customs.russian_text import lemma, snowball

SIZES = (1, 50, 500)
LANGUAGES = ("en", "ru")
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


def _accuracy_rows(name: str, result: Accuracy) -> None:
    line = f"{result.top1_line:>7.1f}{result.top3_line:>7.1f}" if result.lines else f"{'-':>7}{'-':>7}"
    print(
        f"{name:<16}{result.count:>5}{result.top1_heading:>7.1f}{result.top3_heading:>7.1f}"
        f"{result.top1_subheading:>7.1f}{result.top3_subheading:>7.1f}{result.lines:>5}{line}"
        f"{result.confident_share:>11.1f}{result.confident_top1_heading:>10.1f}"
    )


def accuracy(compare: bool) -> None:
    """Top-1/top-3 per language on the tuning part, the held-out part and all; the confidence calibration."""
    started, cpu = time.perf_counter(), time.process_time()
    classifier = default_classifier()
    print(
        f"nomenclature indexed in {1000 * (time.perf_counter() - started):.0f} ms "
        f"({1000 * (time.process_time() - cpu):.0f} ms CPU), {len(classifier.lines)} lines"
    )
    print(
        f"{'':<16}{'n':>5}{'@4 t1':>7}{'@4 t3':>7}{'@6 t1':>7}{'@6 t3':>7}{'n10':>5}{'@10 t1':>7}{'@10 t3':>7}"
        f"{'confident%':>11}{'t1 of c.':>10}"
    )
    timings: list[float] = []
    for language in LANGUAGES:
        examples = labelled_examples(language)
        tuning, held_out = split_for_tuning(examples)
        started = time.perf_counter()
        whole = measure_accuracy(examples, classifier)
        timings.append((time.perf_counter() - started) / max(len(examples), 1))
        _accuracy_rows(f"{language} tuning", measure_accuracy(tuning, classifier))
        _accuracy_rows(f"{language} held-out", measure_accuracy(held_out, classifier))
        _accuracy_rows(f"{language} all", whole)
    print(f"{1000 * statistics.mean(timings):.1f} ms per suggestion call (wall clock, mean over both sets)")
    print(
        f"\nconfidence: a suggestion is confident when its line matches >= {CONFIDENT_MATCH_SHARE:.0%} of the "
        "description (idf-weighted); on the tuning part:"
    )
    for language in LANGUAGES:
        tuning, _ = split_for_tuning(labelled_examples(language))
        shares = [(classifier.best_match(description), expected) for description, expected in tuning]
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
            kept = [code[:4] == expected[:4] for (code, share), expected in shares if code and share >= threshold]
            print(
                f"  {language} threshold {threshold:.1f}: confident {100 * len(kept) / len(shares):5.1f}%, "
                f"top-1 heading right among them {100 * sum(kept) / max(len(kept), 1):5.1f}%"
            )
    if compare:
        print("\nRussian word forms compared (all Russian descriptions):")
        entries = read_nomenclature()
        for name, form in (("pymorphy3 lemma", lemma), ("Snowball stem", snowball)):
            started = time.perf_counter()
            built = Classifier.build(entries, form)
            elapsed = time.perf_counter() - started
            result = measure_accuracy(labelled_examples("ru"), built)
            print(
                f"  {name:<16} built in {elapsed:5.1f} s: @4 {result.top1_heading}/{result.top3_heading}, "
                f"@6 {result.top1_subheading}/{result.top3_subheading}, @10 {result.top1_line}/{result.top3_line}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=("timing", "accuracy", "all"), default="all")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--compare", action="store_true", help="classification: also compare Russian word forms")
    arguments = parser.parse_args()
    if arguments.what in ("timing", "all"):
        timing(arguments.repeats)
    if arguments.what == "all":
        print()
    if arguments.what in ("accuracy", "all"):
        accuracy(arguments.compare)


if __name__ == "__main__":
    main()
