"""The shared money module, the ISO 4217 and chart-of-accounts data, and the ledger's analytics facts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sinks.clickhouse_facts import ledger_entry_rows
from sinks.records import SinkRecord
from streams.ledger.chart import AccountKind, account_id, chart
from streams.ledger.events import PendingTransferPosted, Transfer, TransferKind, TransfersRecorded
from streams.money import Money, MoneyProblem, currencies, format_amount, parse_amount, to_decimal
from wellwon.envelope import EVENT, Envelope

AT = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "units"), [("RUB", 2), ("USD", 2), ("EUR", 2), ("CNY", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)]
)
def test_the_iso_4217_table_knows_each_currency_s_minor_unit(code: str, units: int) -> None:
    assert currencies()[code].minor_units == units


def test_the_table_is_well_formed() -> None:
    table = currencies()
    assert len(table) > 140
    assert all(
        len(c.code) == 3 and c.code.isupper() and len(c.numeric) == 3 and c.minor_units in (0, 2, 3)
        for c in table.values()
    )
    assert len({c.numeric for c in table.values()}) == len(table)


@pytest.mark.parametrize(
    ("amount", "code", "parsed"),
    [("10.5", "RUB", Money("RUB", 1050)), ("7", "JPY", Money("JPY", 7)), ("1.234", "KWD", Money("KWD", 1234)),
     (Decimal("1E+2"), "USD", Money("USD", 10000)), ("0.10", "EUR", Money("EUR", 10))],
)  # fmt: skip
def test_parse_amount_gives_minor_units(amount: str, code: str, parsed: Money) -> None:
    assert parse_amount(amount, code) == parsed


@pytest.mark.parametrize(
    ("amount", "code", "field", "reason"),
    [("1", "XXX", "currency", "not an ISO 4217"), ("1", "rub", "currency", "not an ISO 4217"),
     ("0", "RUB", "amount", "greater than zero"), ("-0.01", "RUB", "amount", "greater than zero"),
     ("1.001", "RUB", "amount", "RUB has 2 decimals"), ("0.5", "JPY", "amount", "JPY has 0 decimals"),
     ("Infinity", "RUB", "amount", "finite"), ("abc", "RUB", "amount", "not a number"),
     ("10000000000000.01", "RUB", "amount", "too large"), ("1E+1000000", "JPY", "amount", "too large")],
)  # fmt: skip
def test_parse_amount_refuses_naming_the_field(amount: str, code: str, field: str, reason: str) -> None:
    problem = parse_amount(amount, code)
    assert isinstance(problem, MoneyProblem) and problem.field == field and reason in problem.reason


def test_formatting_keeps_the_currency_s_decimals() -> None:
    assert format_amount(1050, "RUB") == "10.50"
    assert format_amount(-5, "KWD") == "-0.005"
    assert format_amount(12, "JPY") == "12"
    assert to_decimal(100, "USD") == Decimal("1.00")
    assert str(Money("USD", 123456)) == "1234.56 USD"


def test_the_chart_of_accounts_follows_the_russian_chart() -> None:
    accounts = chart()
    assert {"19", "50", "51", "52", "57", "60", "62", "68", "76", "91"} <= set(accounts)
    assert accounts["51"].holds("RUB") and not accounts["51"].holds("USD")
    assert accounts["52"].holds("USD") and not accounts["52"].holds("RUB")
    assert not accounts["51"].may_go_negative and not accounts["51"].open_on_first_use
    assert accounts["60"].kind is AccountKind.ACTIVE_PASSIVE and accounts["60"].open_on_first_use
    assert all(a.name_ru and a.name_en for a in accounts.values())
    assert account_id("60", "USD", "s-1") == "60:USD:s-1" and account_id("51", "RUB") == "51:RUB"


def record(event: object, version: int = 3) -> SinkRecord:
    envelope = Envelope("00000000-0000-4000-8000-000000000001", EVENT, "c", None, "tenant-a", "u", AT, "ledger", "L",
                        version, "ledger.X", 1, b"")  # fmt: skip
    return SinkRecord("ledger.events", 0, 0, envelope, event)


def test_analytics_facts_are_two_balanced_entries_per_posted_movement() -> None:
    posted = Transfer("t1", TransferKind.POSTED, "60:RUB:s", "51:RUB:b", 500, "RUB", AT)
    pending = Transfer("t2", TransferKind.PENDING, "76:RUB", "51:RUB:b", 300, "RUB", AT)
    rows = ledger_entry_rows(record(TransfersRecorded((posted, pending), linked=True)))
    assert [(r[4], r[7], r[8]) for r in rows] == [("60:RUB:s", 500, 0), ("51:RUB:b", 0, 500)]
    assert {r[2] for r in rows} == {30000}
    post = Transfer("t3", TransferKind.POST, "76:RUB", "51:RUB:b", 200, "RUB", AT, related_id="t2")
    assert [(r[4], r[7], r[8]) for r in ledger_entry_rows(record(PendingTransferPosted(post, 100)))] == [
        ("76:RUB", 200, 0), ("51:RUB:b", 0, 200)
    ]  # fmt: skip
