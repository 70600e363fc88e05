"""A replay's progress line: a bar with rate and ETA on a TTY, plain periodic lines elsewhere."""

from __future__ import annotations

import io

from sinks.progress import Progress, duration, progress_line


def test_the_line_says_how_far_how_fast_and_how_long_still() -> None:
    line = progress_line("postgres", 250_000, 1_000_000, 25.0, bar=True)
    assert line == (
        "postgres [#######.....................]  25% 250,000/1,000,000 records, 10,000/s, 0:25 elapsed, ETA 1:15"
    )
    assert progress_line("clickhouse", 1_000_000, 1_000_000, 80.0, bar=False) == (
        "clickhouse: 100% 1,000,000/1,000,000 records, 12,500/s, 1:20 elapsed, ETA 0:00"
    )
    assert progress_line("postgres", 0, 10, 0.0, bar=False).endswith("ETA ?")
    assert progress_line("postgres", 0, 0, 1.0, bar=False).startswith("postgres: 100% 0/0")


def test_durations() -> None:
    assert [duration(s) for s in (9, 309, 3909.4)] == ["0:09", "5:09", "1:05:09"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_tty_gets_a_plain_line_every_few_seconds_and_the_last_figures() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress("postgres", out, clock)
    for second in range(12):
        clock.now = float(second)
        progress(second * 100, 1_200)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert [line.split(" records")[0] for line in lines] == [
        "postgres:   0% 0/1,200", "postgres:  42% 500/1,200", "postgres:  83% 1,000/1,200", "postgres:  92% 1,100/1,200"
    ]  # fmt: skip
    assert "\r" not in out.getvalue()


def test_a_tty_redraws_one_bar_in_place() -> None:
    out, clock = Terminal(), Clock()
    progress = Progress("clickhouse", out, clock)
    progress(10, 100)
    clock.now = 1.0
    progress(100, 100)
    progress.finish()
    drawn = out.getvalue()
    assert drawn.count("\r\x1b[K") == 3 and drawn.endswith("ETA 0:00\n") and drawn.count("\n") == 1
    assert "[############################]" in drawn
