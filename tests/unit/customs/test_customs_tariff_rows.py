"""Each tariff row rule at its boundary: the last value allowed and the first refused, with column and reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.customs.classification import ConfirmedClassification, NationalLine
from streams.customs.duty_tables import (
    DutyKind,
    DutyRate,
    ExchangeRate,
    ExciseRate,
    FeeBand,
    OriginPreference,
    SpecificBasis,
    VatRate,
)
from streams.customs_tariff.decider import _row_problems

DAY = date(2025, 1, 1)
D = Decimal


def duty(**changes: Any) -> DutyRate:
    fields: dict[str, Any] = {"code_prefix": "6109", "valid_from": DAY, "valid_to": None, "kind": DutyKind.AD_VALOREM}
    return DutyRate(**{**fields, **changes})


def mixed(**changes: Any) -> DutyRate:
    return duty(**{"kind": DutyKind.AD_VALOREM_MINIMUM_SPECIFIC, "specific_amount": D("0.01"), **changes})


@pytest.mark.parametrize(
    ("row", "problems"),
    [
        (VatRate("", DAY, DAY, D(20)), []),  # valid for one day
        (VatRate("", DAY, date(2024, 12, 31), D(20)), [("valid_to", "ends before it starts")]),
        (VatRate("", DAY, None, D(0)), []),
        (VatRate("", DAY, None, D(100)), []),
        (VatRate("", DAY, None, D("100.01")), [("percent", "must be 0 to 100")]),
        (VatRate("", DAY, None, D("-0.01")), [("percent", "must be 0 to 100")]),
        (duty(ad_valorem_percent=D(0)), []),
        (duty(ad_valorem_percent=D(1000)), []),
        (duty(ad_valorem_percent=D("1000.1")), [("ad_valorem_percent", "must be 0 to 1000")]),
        (duty(ad_valorem_percent=D(-1)), [("ad_valorem_percent", "must be 0 to 1000")]),
        (mixed(), []),  # the smallest positive amount, per kg, in euro
        (
            mixed(specific_amount=D(0)),
            [("specific_amount", "a ad_valorem_min_specific duty needs a positive specific amount")],
        ),
        (mixed(specific_currency="eur"), [("specific_currency", "must be an ISO 4217 code")]),
        (mixed(specific_basis=SpecificBasis.UNIT), [("unit_code", "a per-unit duty names its OKEI unit")]),
        (mixed(specific_basis=SpecificBasis.UNIT, unit_code="796"), []),
        (duty(unit_code=None, specific_basis=SpecificBasis.UNIT), []),  # ad valorem: no unit needed
        (duty(origin_country="CN"), []),
        (duty(origin_country="CHN"), [("origin_country", "must be an ISO alpha-2 code")]),
        (OriginPreference("BD", DAY, None, D(0), "least developed country"), []),
        (OriginPreference("IN", DAY, None, D(1), "developing country"), []),
        (
            OriginPreference("IN", DAY, None, D("1.01"), "developing country"),
            [("share_of_base_rate", "must be 0 to 1")],
        ),
        (OriginPreference("IN", DAY, None, D("-0.01"), "x"), [("share_of_base_rate", "must be 0 to 1")]),
        (ExciseRate("2203", DAY, None, D(0), "112", "1"), []),
        (ExciseRate("2203", DAY, None, D("-0.01"), "112", "1"), [("amount", "must not be negative")]),
        (FeeBand(DAY, None, D(0), D("0.01"), D(0)), []),
        (FeeBand(DAY, None, D(0), None, D(775)), []),
        (FeeBand(DAY, None, D(200000), D(200000), D(775)), [("value_up_to", "must be above value_over")]),
        (FeeBand(DAY, None, D(-1), None, D(775)), [("value_up_to", "must be above value_over")]),
        (FeeBand(DAY, None, D(0), None, D(-1)), [("fee", "must not be negative")]),
        (ExchangeRate("USD", DAY, D("0.0001")), []),
        (ExchangeRate("USD", DAY, D(0)), [("rate", "must be positive")]),
        (ExchangeRate("usd", DAY, D(90)), [("currency", "must be an ISO 4217 code")]),
        (NationalLine("6109100000", "T-shirts, of cotton", DAY), []),
        (NationalLine("610910000", "T-shirts, of cotton", DAY), [("code", "must be 10 digits")]),
        (ConfirmedClassification("T-shirts", "610910"), []),
        (ConfirmedClassification("T-shirts", "61091000"), [("code", "must be 6 or 10 digits")]),
    ],
)
def test_a_row_is_refused_exactly_past_its_rules_bounds(row: Any, problems: list[tuple[str, str]]) -> None:
    assert list(_row_problems(row)) == problems
