"""`wellwon loadtest`'s pure parts: the mix, the open-loop schedule, percentiles, the report and its EDI payload."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from streams.edi.mapping import translate_interchange
from streams.edi.partners import DEFAULT_REFERENCE_QUALIFIERS
from streams.edi_partner.decider import EdiPartner
from wellwon.loadtest import (
    DEFAULT_MIX,
    OPERATIONS,
    Sample,
    format_mix,
    format_report,
    parse_mix,
    percentile,
    plan,
    status_report,
    summarize,
)

# --- the mix ---


def test_a_mix_names_weights_and_leaves_the_others_at_zero() -> None:
    assert parse_mix("login=2, read=5") == {
        "login": 2,
        "shipment_update": 0,
        "edi_burst": 0,
        "declaration_edit": 0,
        "read": 5,
    }


def test_the_default_mix_round_trips_and_runs_every_operation() -> None:
    assert parse_mix(format_mix(DEFAULT_MIX)) == DEFAULT_MIX
    assert all(DEFAULT_MIX[name] > 0 for name in OPERATIONS)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("lunch=1", "operation=weight"),
        ("read", "operation=weight"),
        ("read=x", "whole number"),
        ("read=1.5", "whole number"),
        ("read=-1", "negative"),
        ("read=0", "positive weight"),
        ("", "positive weight"),
    ],
)
def test_a_bad_mix_is_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_mix(text)


# --- the schedule ---


def test_operations_are_due_at_n_over_the_rate_for_the_duration() -> None:
    schedule = plan({"read": 1}, rate=4, duration=2.5, seed=0)
    assert [due for due, _ in schedule] == [n / 4 for n in range(10)]
    assert plan({"read": 1}, rate=0.5, duration=1.9, seed=0) == [(0.0, "read")]  # due within the duration
    assert len(plan({"read": 1}, rate=10, duration=0.3, seed=0)) == 3  # 10 * 0.3 is 3.0000000000000004 in floats
    assert len(plan({"read": 1}, rate=10, duration=0.7, seed=0)) == 7  # 10 * 0.7 is 7.000000000000001


def test_every_round_holds_each_operation_its_weight_times() -> None:
    mix = {"login": 1, "read": 3, "edi_burst": 0, "shipment_update": 2}
    operations = [name for _, name in plan(mix, rate=60, duration=1, seed=7)]
    for start in range(0, 60, 6):
        assert Counter(operations[start : start + 6]) == {"login": 1, "read": 3, "shipment_update": 2}
    assert "edi_burst" not in operations


def test_the_same_seed_gives_the_same_run_and_another_seed_another_order() -> None:
    mix = parse_mix(format_mix(DEFAULT_MIX))
    assert plan(mix, 20, 5, seed=3) == plan(mix, 20, 5, seed=3)
    assert plan(mix, 20, 5, seed=3) != plan(mix, 20, 5, seed=4)
    # a short run at a low rate still runs every operation of the mix once per round
    assert {name for _, name in plan(mix, rate=3, duration=5, seed=1)} == set(OPERATIONS)


def test_a_schedule_needs_a_positive_rate_and_duration() -> None:
    with pytest.raises(ValueError):
        plan({"read": 1}, rate=0, duration=1, seed=0)
    with pytest.raises(ValueError):
        plan({"read": 1}, rate=1, duration=-1, seed=0)


# --- percentiles ---


def test_percentiles_are_nearest_rank_values_that_were_observed() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 90) == 90
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 51) == 3.0
    assert percentile([], 50) == 0.0


def test_a_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError):
        percentile([1.0], 101)


# --- the report ---


def samples() -> list[Sample]:
    return [
        *(Sample("read", 200, float(ms)) for ms in range(1, 11)),
        Sample("read", 500, 40.0),
        Sample("login", 200, 5.0),
        Sample("login", 429, 2.0),
        Sample("login", 401, 3.0),
        Sample("edi_burst", 202, 8.0),
        Sample("edi_burst", "timeout", 30_000.0),
        Sample("shipment_update", "conn", 1.0),
    ]


def test_the_report_counts_ok_429_and_errors_by_status_per_operation_and_in_total() -> None:
    mix = {"login": 1, "shipment_update": 1, "edi_burst": 1, "declaration_edit": 0, "read": 1}
    report = summarize(samples(), 2.0, url="http://x", rate=8, duration=2, mix=mix)
    rows = {row.operation: row for row in report.operations}
    assert list(rows) == ["login", "shipment_update", "edi_burst", "read"]  # OPERATIONS order, weight > 0 only
    read, login = rows["read"], rows["login"]
    assert (read.count, read.ok, read.errors, read.throttled) == (11, 10, {"500": 1}, 0)
    assert read.error_rate == pytest.approx(1 / 11)
    assert read.throughput == 5.0  # ok answers per second of the run
    assert (read.p50_ms, read.p90_ms, read.p99_ms, read.max_ms) == (6.0, 10.0, 40.0, 40.0)
    assert read.server_errors == 1
    assert (login.ok, login.throttled, login.errors, login.failed) == (1, 1, {"401": 1, "429": 1}, 2)
    assert rows["edi_burst"].errors == {"timeout": 1} and rows["edi_burst"].ok == 1  # 202 is ok, and counted
    assert (rows["edi_burst"].pending, read.pending, report.total.pending) == (1, 0, 1)
    assert rows["shipment_update"].errors == {"conn": 1} and rows["shipment_update"].server_errors == 0
    total = report.total
    assert total.count == sum(row.count for row in rows.values()) == 17
    assert total.ok == sum(row.ok for row in rows.values()) == 12
    assert total.errors == {"401": 1, "429": 1, "500": 1, "conn": 1, "timeout": 1}
    assert total.error_rate == pytest.approx(5 / 17)
    assert total.max_ms == 30_000.0


def test_an_operation_of_the_mix_that_never_ran_has_an_empty_row() -> None:
    report = summarize([], 1.0, url="http://x", rate=1, duration=1, mix={"read": 1, "login": 0})
    assert [(row.operation, row.count, row.error_rate, row.p99_ms) for row in report.operations] == [
        ("read", 0, 0.0, 0.0)
    ]


def test_the_table_and_the_json_say_the_same() -> None:
    mix = {"login": 1, "shipment_update": 1, "edi_burst": 1, "declaration_edit": 0, "read": 1}
    report = summarize(samples(), 2.0, url="http://x", rate=8, duration=2, mix=mix)
    table = format_report(report)
    lines = table.splitlines()
    assert lines[0].startswith("wellwon loadtest: http://x, 8/s for 2 s")
    assert lines[1].split()[:7] == ["operation", "count", "ok", "202", "429", "errors", "err%"]
    read_row = next(line for line in lines if line.startswith("read "))
    assert read_row.split()[:7] == ["read", "11", "10", "0", "0", "1", "9.1%"]
    assert lines[-1].startswith("total ") and "timeout:1" in lines[-1] and "429:1" in lines[-1]
    data = json.loads(json.dumps(report.json()))
    assert data["total"]["count"] == 17 and data["total"]["errors"]["500"] == 1 and data["total"]["pending"] == 1
    assert [row["operation"] for row in data["operations"]] == ["login", "shipment_update", "edi_burst", "read"]


# --- the EDI payload ---


def test_an_edi_burst_is_an_interchange_with_a_status_report_per_shipment_the_platform_maps() -> None:
    raw = status_report("LT000001ABCDEF", ["LT-1-0", "LT-1-1", "LT-1-2"], datetime(2026, 3, 1, 10, 5, tzinfo=UTC))
    # the partner as `wellwon loadtest` registers it through the API (the default reference qualifiers)
    partner = EdiPartner("p", "t", "LOADTEST", "Load Test Carrier", ("LOADTEST",), "UTC", DEFAULT_REFERENCE_QUALIFIERS)
    translation = translate_interchange(raw, partner.trading_partner())
    assert not translation.failures
    # Rec 24 "crossed border" moves no milestone: each becomes a transport event on its shipment's timeline
    assert [type(r.command).__name__ for r in translation.requests] == ["NoteTransportEvent"] * 3
    assert [r.command.description for r in translation.requests] == ["CROSSED BORDER"] * 3
    assert raw.count(b"UNH+") == 3 and raw.endswith(b"UNZ+3+LT000001ABCDEF'")


# --- the command's refusals ---


def test_the_command_refuses_a_bad_mix_and_an_unreachable_platform_saying_so() -> None:
    from streams.registry import main as wellwon

    with pytest.raises(SystemExit, match="--mix: 'lunch=1'"):
        wellwon(["loadtest", "--mix", "lunch=1"])
    with pytest.raises(SystemExit, match="must be positive"):
        wellwon(["loadtest", "--rate", "0"])
    with pytest.raises(SystemExit, match=r"cannot reach http://127\.0\.0\.1:9"):
        wellwon(["loadtest", "--url", "http://127.0.0.1:9", "--duration", "1"])
