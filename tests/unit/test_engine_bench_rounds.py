"""engine_bench's rounds: each round's ratios against the relays of the same round, and their medians."""

from __future__ import annotations

from benchmarks.engine_bench import median, throughput_lines


def test_the_median_of_odd_and_even_counts() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_ratios_are_taken_within_a_round_and_their_median_is_printed_last() -> None:
    rounds = [
        {"raw": 10_000.0, "domain": 2_000.0, "engine": 1_600.0},  # quiet: 0.16 of raw, 0.80 of domain
        {"raw": 5_000.0, "domain": 1_000.0, "engine": 900.0},  # loaded: 0.18, 0.90
        {"raw": 8_000.0, "domain": 2_000.0, "engine": 1_200.0},  # 0.15, 0.60
    ]
    lines = throughput_lines(rounds)
    assert lines[1].split() == ["1", "10000", "2000", "1600", "0.16", "0.80"]
    assert lines[2].split() == ["2", "5000", "1000", "900", "0.18", "0.90"]
    # The medians of the per-round ratios (0.16 and 0.80), not the ratio of the median figures (1200 / 8000).
    assert lines[-1].split() == ["median", "8000", "2000", "1200", "0.16", "0.80"]
