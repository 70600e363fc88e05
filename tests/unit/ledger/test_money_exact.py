"""The money gate exactly: each refusal's field and reason as the API shows them, and each limit at its boundary."""

from __future__ import annotations

import pytest

from streams.money import (
    MAX_MINOR,
    Currency,
    Money,
    MoneyProblem,
    checked_currency,
    currency,
    format_amount,
    parse_amount,
)


def test_a_currency_is_known_with_its_numeric_code_decimals_and_name() -> None:
    assert currency("KWD") == Currency("KWD", "414", 3, "Kuwaiti Dinar")
    assert currency("XAU") is None  # gold is not money here


@pytest.mark.parametrize(
    ("amount", "code", "problem"),
    [
        ("1", "RUR", MoneyProblem("currency", "'RUR' is not an ISO 4217 currency code")),
        ("1", None, MoneyProblem("currency", "None is not an ISO 4217 currency code")),
        ("ten", "RUB", MoneyProblem("amount", "'ten' is not a number")),
        ("NaN", "RUB", MoneyProblem("amount", "must be a finite decimal number")),
        (0.5, "RUB", MoneyProblem("amount", "must be a finite decimal number")),
        ("0.00", "RUB", MoneyProblem("amount", "must be greater than zero")),
        ("1.005", "RUB", MoneyProblem("amount", "RUB has 2 decimals; 1.005 has more")),
        ("1E+19", "JPY", MoneyProblem("amount", "is too large")),
        ("10000000000000.01", "RUB", MoneyProblem("amount", "is too large: at most 10000000000000.00 RUB")),
        ("1000000000000001", "JPY", MoneyProblem("amount", "is too large: at most 1000000000000000 JPY")),
    ],
)
def test_a_refused_amount_names_its_field_and_why(amount: object, code: str, problem: MoneyProblem) -> None:
    assert parse_amount(amount, code) == problem  # type: ignore[arg-type]


def test_the_largest_amount_is_accepted_to_the_last_minor_unit() -> None:
    assert parse_amount("10000000000000.00", "RUB") == Money("RUB", MAX_MINOR)
    assert parse_amount(MAX_MINOR, "JPY") == Money("JPY", MAX_MINOR)
    assert parse_amount("0.001", "KWD") == Money("KWD", 1)  # the smallest amount there is


def test_an_amount_just_below_the_order_of_magnitude_cut_off_is_judged_by_the_limit_not_refused_early() -> None:
    # 9.99...E+18 has adjusted() == 18: it reaches the limit check, which names the limit
    assert parse_amount("9999999999999999999", "JPY") == MoneyProblem(
        "amount", "is too large: at most 1000000000000000 JPY"
    )


def test_the_fields_at_fault_may_be_renamed_for_the_command_that_carries_them() -> None:
    assert parse_amount("0", "RUB", field="total") == MoneyProblem("total", "must be greater than zero")
    assert parse_amount("1", "ZZZ", currency_field="lines[0].currency") == MoneyProblem(
        "lines[0].currency", "'ZZZ' is not an ISO 4217 currency code"
    )
    assert checked_currency("ZZZ") == MoneyProblem("currency", "'ZZZ' is not an ISO 4217 currency code")


def test_an_amount_reads_back_with_the_currency_s_decimals() -> None:
    assert str(Money("KWD", 1234).amount) == "1.234"
    assert str(Money("RUB", 5).amount) == "0.05"
    assert Money("RUB", 100) < Money("RUB", 101)


def test_an_amount_is_written_with_all_its_currency_s_decimals_and_its_code() -> None:
    assert str(Money("KWD", -5)) == "-0.005 KWD"
    assert str(Money("JPY", 1200)) == "1200 JPY"
    assert format_amount(100000, "RUB") == "1000.00"


def test_a_currency_code_that_is_not_text_is_refused_not_a_crash() -> None:
    assert parse_amount("1", ["RUB"]) == MoneyProblem("currency", "['RUB'] is not an ISO 4217 currency code")  # type: ignore[arg-type]
