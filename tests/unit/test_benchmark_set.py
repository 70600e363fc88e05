"""`python -m benchmarks`: the set holds every benchmark, runs each in turn with its output shown, says how each
ended, and stops one that would take the set past its budget."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import benchmarks.__main__ as bench_set
from benchmarks.__main__ import SET, Benchmark, run_set, summary


def test_the_set_holds_every_benchmark_module() -> None:
    modules = {f"benchmarks.{p.stem}" for p in Path(bench_set.__file__).parent.glob("*_bench.py")}
    assert modules == {b.module for b in SET}
    assert len({b.name for b in SET}) == len(SET)


def test_each_runs_in_turn_with_its_output_shown_and_how_it_ended() -> None:
    out, log = io.StringIO(), io.StringIO()
    plan = [Benchmark("says", "platform"), Benchmark("fails", "no_such_module"), Benchmark("again", "platform")]
    ran = run_set(plan, budget=60, out=out, log=log)
    assert [(r.name, r.ended) for r in ran] == [("says", "ok"), ("fails", "exit 1"), ("again", "ok")]
    text = out.getvalue()
    assert text == log.getvalue()
    assert text.index("=== says") < text.index("=== fails") < text.index("No module named") < text.index("=== again")
    assert "Linux" in text  # the first one's own output
    table = summary(ran, budget=60)
    assert "fails" in table and "exit 1" in table and "NOT within the budget" in table


def test_a_benchmark_running_past_the_budget_is_stopped_and_the_rest_not_started() -> None:
    sleeper = Benchmark("sleeps", "timeit", ("-n", "1", "-r", "1", "import time; time.sleep(30)"))
    ran = run_set([sleeper, Benchmark("after", "platform")], budget=1.0, out=io.StringIO())
    assert ran[0].ended == "stopped: over the budget" and ran[0].seconds < 15
    assert ran[1].ended == "not run: over the budget"


def test_an_unknown_name_is_refused_with_the_names_there_are(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench_set.main(["--only", "engine,warp"])
    assert "no benchmark named warp; there are engine, edi" in capsys.readouterr().err
    assert bench_set.main(["--only", "engine,edi", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["engine", "edi"]
    assert "benchmarks.engine_bench run --rounds 2" in listed[0]


def test_a_benchmark_stopped_at_the_budget_runs_its_clean_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Interrupted as by Ctrl-C, not terminated: a benchmark's `finally` stops the platform processes it started."""
    marker = tmp_path / "cleaned"
    script = f"import time, pathlib\ntry:\n    time.sleep(30)\nfinally:\n    pathlib.Path({str(marker)!r}).touch()"
    monkeypatch.setattr(bench_set, "command", lambda benchmark: [sys.executable, "-c", script])
    ran = run_set([Benchmark("cleans", "unused")], budget=1.0, out=io.StringIO())
    assert ran[0].ended == "stopped: over the budget"
    assert marker.exists()
