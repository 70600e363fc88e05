"""Timing shared by the benchmarks: a median after a warm-up, so one slow sample on a shared machine does not
decide a figure."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(run: Callable[[], Any], repeats: int = 3) -> float:
    """The median of `repeats` timings of `run()`, after one warm-up."""
    run()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
