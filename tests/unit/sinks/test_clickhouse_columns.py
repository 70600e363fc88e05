"""The ClickHouse sink's column-oriented batches say what its row-wise definitions (`event_row`, `Facts.rows`) say, in
the values clickhouse-connect would have made of them, and each fact table is handed every record it makes rows of."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from clickhouse_connect.datatypes.registry import get_from_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinks.clickhouse import event_columns, event_row, uuid_int
from sinks.clickhouse_facts import (
    FACTS,
    SHIPMENTS,
    days,
    facts_of,
    micros,
    micros_column,
    native,
    native_columns,
    records_by_table,
)
from sinks.records import SinkRecord
from streams.registry import DOMAINS
from streams.shipment.details import ExceptionKind
from streams.shipment.events import ExceptionRaised, ShipmentCancelled
from wellwon.envelope import EVENT, Envelope

EVENT_TYPES = [cls for domain in DOMAINS for cls in domain.events]
DATETIME64 = get_from_name("DateTime64(6, 'UTC')")


def record(message: Any, version: int = 1, offset: int = 0, tenant: str | None = "t1") -> SinkRecord:
    envelope = Envelope(
        str(uuid.uuid4()), EVENT, str(uuid.uuid4()), None, tenant, None,
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=offset * 1237), type(message).__module__,
        f"agg-{offset % 3}", version, f"x.{type(message).__name__}", 1, b"",
    )  # fmt: skip
    return SinkRecord("x.events", offset % 2, offset, envelope, message)


def same(a: Any, b: Any) -> bool:
    return repr(a) == repr(b)  # a Decimal NaN equals itself here


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 1, 12, 30, 5, 123456, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=timezone(timedelta(hours=3))),
        datetime(2026, 3, 29, 1, 0, 0, 500000),  # naive: local time, as the driver takes it
    ],
)
def test_times_are_the_ticks_the_driver_would_send(value: datetime) -> None:
    assert micros(value) == DATETIME64._datetime64_ticks(value)
    assert micros_column([value, None]) == [DATETIME64._datetime64_ticks(value), None]


def test_a_column_mixing_naive_and_aware_times_is_converted_value_by_value() -> None:
    aware, naive = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 2)
    assert micros_column([aware, naive]) == [micros(aware), micros(naive)]


def test_dates_are_days_since_the_epoch() -> None:
    assert days(date(1970, 1, 1)) == 0
    assert days(date(2026, 11, 1)) == (date(2026, 11, 1) - date(1970, 1, 1)).days == 20_758


def test_native_converts_times_and_dates_also_inside_versioned_tuples_and_nothing_else() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert native("DateTime64(6, 'UTC')")(at) == micros(at)  # type: ignore[misc]
    assert native("SimpleAggregateFunction(min, Nullable(DateTime64(6, 'UTC')))")(None) is None  # type: ignore[misc]
    assert native("SimpleAggregateFunction(max, Tuple(UInt64, DateTime64(6, 'UTC')))")((3, at)) == (3, micros(at))  # type: ignore[misc]
    assert native("SimpleAggregateFunction(max, Tuple(UInt64, Date))")((2, date(1970, 1, 3))) == (2, 2)  # type: ignore[misc]
    assert native("Date")(date(1970, 1, 2)) == 1  # type: ignore[misc]
    for kind in ("String", "Decimal(38, 6)", "SimpleAggregateFunction(max, Tuple(UInt64, String))", "Bool", "UInt64"):
        assert native(kind) is None, kind


def test_native_columns_transposes_rows_and_converts_by_type() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [["a", 1, at, (1, date(1970, 1, 2))], ["b", 2, None, (0, date(1970, 1, 1))]]
    kinds = ["String", "UInt64", "Nullable(DateTime64(6, 'UTC'))", "Tuple(UInt64, Date)"]
    assert native_columns(rows, kinds) == [["a", "b"], [1, 2], [micros(at), None], [(1, 1), (0, 0)]]


def test_event_ids_are_their_integers_and_what_uuid_refuses_is_refused() -> None:
    canonical = str(uuid.uuid4())
    assert uuid_int(canonical) == uuid.UUID(canonical).int
    assert uuid_int(canonical.upper()) == uuid.UUID(canonical).int
    assert uuid_int("{" + canonical + "}") == uuid.UUID(canonical).int  # uuid.UUID takes braces: so does the sink
    for bad in ("not-a-uuid", canonical[:-1], canonical + "0", ""):
        with pytest.raises(ValueError):
            uuid_int(bad)


def test_event_columns_are_event_rows_as_the_driver_sends_them() -> None:
    records = [
        record(ShipmentCancelled("gone", datetime(2026, 1, 2, tzinfo=UTC), "api"), version=3, offset=5, tenant=None),
        record(ExceptionRaised("e-1", ExceptionKind.DELAY, "late", datetime(2026, 1, 3, tzinfo=UTC), "edi"), offset=6),
    ]
    rows = [event_row(r) for r in records]
    expected = [list(column) for column in zip(*rows, strict=True)]
    expected[0] = [value.int for value in expected[0]]  # uuid.UUID
    expected[10] = [micros(value) for value in expected[10]]  # occurred_at
    expected[11] = [value.encode() for value in expected[11]]  # payload JSON
    assert event_columns(records) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(messages=st.lists(st.one_of([st.from_type(cls) for cls in EVENT_TYPES]), min_size=1, max_size=25))
def test_fact_columns_say_what_the_rows_say_and_each_table_gets_every_record_it_makes_rows_of(
    messages: list[Any],
) -> None:
    records = [record(m, version=1 + i % 4, offset=i) for i, m in enumerate(messages)]
    shares = records_by_table(records)
    for facts in FACTS:
        share = shares.get(facts.table, [])
        rows = outcome(lambda f=facts: rows_of(f, records))
        expected = (
            outcome(lambda f=facts, r=rows: native_columns(r, f.types) if r else None) if rows != RAISES else rows
        )
        # A batch whose rows cannot be built or converted cannot be built as columns either (then it is isolated).
        assert same(outcome(lambda f=facts, s=share: f.columns_of(s) if s else None), expected), facts.table
        # The records the table is not handed make no row: the sink would lose nothing.
        others = [r for r in records if r not in share]
        assert outcome(lambda f=facts, o=others: rows_of(f, o)) in ([], RAISES), facts.table


RAISES = "raises"


def rows_of(facts: Any, records: list[SinkRecord]) -> list[list[Any]]:
    return [row for r in records for row in facts.rows(r)]


def outcome(build: Any) -> Any:
    try:
        return build()
    except Exception:
        return RAISES


@pytest.mark.parametrize("kind", EVENT_TYPES, ids=lambda kind: kind.__name__)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_table_not_handed_a_type_makes_no_row_of_it(kind: type, data: st.DataObject) -> None:
    handed = facts_of(kind)
    for version in (1, 2):
        message = record(data.draw(st.from_type(kind)), version=version)
        for facts in FACTS:
            if facts not in handed:
                assert facts.rows(message) == [], facts.table


def test_a_subclass_of_an_event_type_goes_where_its_base_goes() -> None:
    class Special(ShipmentCancelled):
        pass

    assert SHIPMENTS in facts_of(Special) and facts_of(ShipmentCancelled) == (SHIPMENTS,)
    assert facts_of(Decimal) == ()


def test_every_fact_table_declares_its_types_and_event_types() -> None:
    for facts in FACTS:
        assert len(facts.types) == len(facts.columns) and facts.events, facts.table
