"""A long run's progress on the terminal: a bar with the rate and an ETA on a TTY, plain periodic lines otherwise
(a log file or CI keeps every line, so redrawing one makes no sense there)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 28
TTY_REFRESH_SECONDS = 0.2
PLAIN_EVERY_SECONDS = 5.0


def duration(seconds: float) -> str:
    """`1:05:09`, `5:09` or `0:09`."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(label: str, done: int, total: int, elapsed: float, bar: bool) -> str:
    """One line: how far, how fast, how long still at that rate."""
    fraction = min(1.0, done / total) if total else 1.0
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = duration((total - done) / rate) if rate > 0 and done < total else ("0:00" if done >= total else "?")
    figures = f"{fraction:4.0%} {done:,}/{total:,} records, {rate:,.0f}/s, {duration(elapsed)} elapsed, ETA {eta}"
    if not bar:
        return f"{label}: {figures}"
    filled = int(fraction * BAR_WIDTH)
    return f"{label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {figures}"


class Progress:
    """Called with (records done, records in all) as a run goes; `finish()` prints the last figures."""

    def __init__(self, label: str, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.clock = clock
        self.started = clock()
        self.shown_at = float("-inf")
        self.done = self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = self.clock()
        if now - self.shown_at >= (TTY_REFRESH_SECONDS if self.tty else PLAIN_EVERY_SECONDS):
            self.shown_at = now
            self._show(now)

    def finish(self) -> None:
        self._show(self.clock(), last=True)

    def _show(self, now: float, last: bool = False) -> None:
        line = progress_line(self.label, self.done, self.total, now - self.started, bar=self.tty)
        if self.tty:
            # \r and clear-to-end redraw the bar in place; the last one stays.
            self.stream.write(f"\r\x1b[K{line}" + ("\n" if last else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
