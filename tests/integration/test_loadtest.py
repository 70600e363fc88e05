"""`wellwon loadtest` against the real platform: every operation of the mix runs, none fails, and the figures add up."""

from __future__ import annotations

import json

import pytest

from stack.processes import PlatformProcesses
from streams.registry import main as wellwon
from wellwon.loadtest import DEFAULT_MIX, plan


def test_a_short_load_test_runs_every_operation_without_errors_and_its_figures_add_up(
    platform: PlatformProcesses, capsys: pytest.CaptureFixture[str]
) -> None:
    rate, duration = 4, 6
    options = f"--rate {rate} --duration {duration} --seed 5 --json --max-error-rate 0"  # exits 1 if any failed
    wellwon(["loadtest", "--url", platform.base_url, *options.split()])
    printed = capsys.readouterr().out
    print(printed)  # the run's figures, for whoever reads the test log
    lines = printed.strip().splitlines()
    report = json.loads(lines[-1])
    rows = {row["operation"]: row for row in report["operations"]}
    total = report["total"]

    assert list(rows) == list(DEFAULT_MIX)  # every operation of the mix has its row
    assert total["count"] == len(plan(DEFAULT_MIX, rate, duration, 5)) == rate * duration
    for row in [*rows.values(), total]:
        assert row["count"] > 0 and row["ok"] == row["count"], row
        assert not any(status.startswith("5") for status in row["errors"]), row
        assert row["error_rate"] == 0 and row["throttled"] == 0
        assert row["ok"] + sum(row["errors"].values()) == row["count"] and row["pending"] <= row["ok"]
        assert 0 < row["p50_ms"] <= row["p90_ms"] <= row["p99_ms"] <= row["max_ms"], row
        assert row["throughput_per_s"] == pytest.approx(row["ok"] / report["elapsed_s"], abs=0.01)
    assert sum(row["count"] for row in rows.values()) == total["count"]
    assert sum(row["ok"] for row in rows.values()) == total["ok"]
    assert sum(row["pending"] for row in rows.values()) == total["pending"] >= rows["edi_burst"]["count"]
    assert total["max_ms"] == max(row["max_ms"] for row in rows.values())
    assert report["elapsed_s"] >= duration
    assert total["throughput_per_s"] <= rate
    # The EDI agent applied every interchange the API queued (each a status report on every set-up shipment).
    assert report["edi_results"] == {"applied": rows["edi_burst"]["ok"]}

    # The table says what the JSON says.
    table = {line.split()[0]: line.split() for line in lines[3:-1] if not line.startswith(("-", "EDI"))}
    for name, row in [*rows.items(), ("total", total)]:
        count, ok, pending, throttled, failed = (int(v) for v in table[name][1:6])
        assert (count, ok, pending, throttled, failed) == (row["count"], row["ok"], row["pending"], 0, 0)
    assert "EDI interchanges handled by the EDI agent after the run: applied" in printed
