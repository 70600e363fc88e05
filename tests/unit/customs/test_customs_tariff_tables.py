"""The customs-tariff decider: operators load and update a tenant's tables; history stays queryable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from streams.customs.classification import ConfirmedClassification, NationalLine
from streams.customs.duty_tables import DutyKind, DutyRate, ExchangeRate, VatRate, load_vat_rates
from streams.customs_tariff.commands import ConfirmClassification, LoadTable
from streams.customs_tariff.decider import evolve, tariff_decider
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.customs_tariff.events import ClassificationConfirmed, TableLoaded
from streams.customs_tariff.tables import LoadMode, TableKind, TableRows, TariffTable, tariff_tables, tenant_feedback
from streams.decider import CommandContext, Rejection, RejectionCode

decide = CUSTOMS_TARIFF.decider.decide
TENANT = "tenant-a"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def context(tenant: str = TENANT) -> CommandContext:
    return CommandContext(command_id="c-1", issued_at=NOW, actor_id="operator-1", tenant_id=tenant)


def load(kind: TableKind, rows: tuple[Any, ...], mode: LoadMode = LoadMode.UPDATE) -> LoadTable:
    return LoadTable(kind, TableRows.holding(kind, rows), mode, "upload.csv")


def given(*commands: LoadTable) -> TariffTable:
    state = tariff_decider.initial_state
    for command in commands:
        events = decide(state, command, context())
        assert not isinstance(events, Rejection), events
        state = tariff_decider.fold(events, state)
    return state


VAT_2025 = load_vat_rates("code_prefix,valid_from,valid_to,percent\n,2019-01-01,,20\n9503,2019-01-01,,10\n")


def test_a_first_load_records_the_table_for_the_tenant() -> None:
    events = decide(TariffTable(), load(TableKind.VAT_RATES, VAT_2025, LoadMode.REPLACE), context())
    assert events == [
        TableLoaded(TENANT, TableKind.VAT_RATES, TableRows(vat_rates=VAT_2025), LoadMode.REPLACE, NOW, "upload.csv")
    ]
    state = given(load(TableKind.VAT_RATES, VAT_2025, LoadMode.REPLACE))
    assert (state.kind, state.tenant_id, state.rows.vat_rates, state.loads) == (
        TableKind.VAT_RATES,
        TENANT,
        VAT_2025,
        1,
    )


def test_an_update_supersedes_the_rate_in_force_the_day_before_it_starts() -> None:
    new_general = VatRate("", date(2026, 1, 1), None, Decimal(22))
    state = given(load(TableKind.VAT_RATES, VAT_2025), load(TableKind.VAT_RATES, (new_general,)))
    assert state.rows.vat_rates == (
        VatRate("", date(2019, 1, 1), date(2025, 12, 31), Decimal(20)),
        VatRate("9503", date(2019, 1, 1), None, Decimal(10)),
        new_general,
    )
    tables = tariff_tables({TableKind.VAT_RATES: state})
    assert tables.vat_rate("8471300000", date(2025, 12, 31)).percent == Decimal(20)
    assert tables.vat_rate("8471300000", date(2026, 1, 1)).percent == Decimal(22)


def test_a_replace_load_is_the_whole_table_from_then_on() -> None:
    only = (VatRate("", date(2019, 1, 1), None, Decimal(18)),)
    state = given(load(TableKind.VAT_RATES, VAT_2025), load(TableKind.VAT_RATES, only, LoadMode.REPLACE))
    assert state.rows.vat_rates == only


def test_a_new_exchange_rate_for_the_same_date_corrects_the_old_one() -> None:
    first = ExchangeRate("USD", date(2025, 3, 15), Decimal("86.8389"))
    corrected = ExchangeRate("USD", date(2025, 3, 15), Decimal("86.9000"))
    state = given(load(TableKind.EXCHANGE_RATES, (first,)), load(TableKind.EXCHANGE_RATES, (corrected,)))
    assert state.rows.exchange_rates == (corrected,)


def test_national_lines_are_replaced_by_code() -> None:
    old = NationalLine("6109100000", "T-shirts of cotton", date(2022, 1, 1))
    new = NationalLine("6109100000", "T-shirts, singlets of cotton, knitted", date(2025, 1, 1))
    state = given(load(TableKind.NATIONAL_LINES, (old,)), load(TableKind.NATIONAL_LINES, (new,)))
    assert state.rows.national_lines == (new,)


def test_another_tenant_cannot_load_into_the_table() -> None:
    state = given(load(TableKind.VAT_RATES, VAT_2025))
    outcome = decide(state, load(TableKind.VAT_RATES, VAT_2025), context("tenant-b"))
    assert isinstance(outcome, Rejection) and outcome.code is RejectionCode.NOT_FOUND


def test_rows_of_another_kind_are_refused() -> None:
    state = given(load(TableKind.VAT_RATES, VAT_2025))
    rate = ExchangeRate("USD", date(2025, 3, 15), Decimal("86.8389"))
    outcome = decide(state, load(TableKind.EXCHANGE_RATES, (rate,)), context())
    assert isinstance(outcome, Rejection) and outcome.code is RejectionCode.CONFLICT
    mixed = LoadTable(TableKind.VAT_RATES, TableRows(vat_rates=VAT_2025, exchange_rates=(rate,)), LoadMode.UPDATE)
    outcome = decide(TariffTable(), mixed, context())
    assert isinstance(outcome, Rejection) and outcome.field == "rows"


def test_a_row_that_makes_no_sense_is_refused_naming_row_and_column() -> None:
    no_amount = DutyRate("6109", date(2024, 1, 1), None, DutyKind.AD_VALOREM_MINIMUM_SPECIFIC, Decimal(10))
    outcome = decide(TariffTable(), load(TableKind.DUTY_RATES, (no_amount,)), context())
    assert isinstance(outcome, Rejection)
    assert (outcome.code, outcome.field) == (RejectionCode.INVALID, "rows[1].specific_amount")
    backwards = VatRate("", date(2025, 1, 1), date(2024, 1, 1), Decimal(20))
    outcome = decide(TariffTable(), load(TableKind.VAT_RATES, (backwards,)), context())
    assert isinstance(outcome, Rejection) and outcome.field == "rows[1].valid_to"
    negative = ExchangeRate("USD", date(2025, 3, 15), Decimal(0))
    outcome = decide(TariffTable(), load(TableKind.EXCHANGE_RATES, (negative,)), context())
    assert isinstance(outcome, Rejection) and outcome.field == "rows[1].rate"


def test_an_empty_load_is_refused() -> None:
    outcome = decide(TariffTable(), load(TableKind.VAT_RATES, ()), context())
    assert isinstance(outcome, Rejection) and outcome.field == "rows"


def test_confirmed_classifications_become_the_tenants_feedback() -> None:
    events = decide(TariffTable(), ConfirmClassification("  Cotton tee shirts  ", "6109100000"), context())
    assert events == [ClassificationConfirmed(TENANT, "Cotton tee shirts", "6109100000", NOW)]
    state = tariff_decider.fold(events)
    again = evolve(state, ClassificationConfirmed(TENANT, "cotton tee shirts", "610990", NOW))
    assert tenant_feedback(again).confirmed == (ConfirmedClassification("cotton tee shirts", "610990"),)
    assert tenant_feedback(None).confirmed == ()


def test_a_confirmed_code_must_be_6_or_10_digits() -> None:
    outcome = decide(TariffTable(), ConfirmClassification("Cotton tee shirts", "61091"), context())
    assert isinstance(outcome, Rejection) and outcome.field == "code"


def test_a_confirmation_is_refused_with_its_reason_and_field() -> None:
    vat_table = tariff_decider.fold(
        [TableLoaded(TENANT, TableKind.VAT_RATES, TableRows(vat_rates=VAT_2025), LoadMode.REPLACE, NOW, "upload.csv")]
    )
    assert decide(vat_table, ConfirmClassification("Cotton tee shirts", "610910"), context()) == Rejection(
        RejectionCode.CONFLICT, "this table holds vat_rates, not classifications"
    )
    too_long = "x" * 1001
    for description in (" ", too_long):
        assert decide(TariffTable(), ConfirmClassification(description, "610910"), context()) == Rejection(
            RejectionCode.INVALID, "a description of 1 to 1000 characters", "description"
        )
    assert decide(TariffTable(), ConfirmClassification("6" * 1000, "610910"), context()) == [
        ClassificationConfirmed(TENANT, "6" * 1000, "610910", NOW)
    ]
    assert decide(TariffTable(), ConfirmClassification("x", "610910"), context()) == [
        ClassificationConfirmed(TENANT, "x", "610910", NOW)
    ]
    assert decide(TariffTable(), ConfirmClassification("Cotton tee shirts", "61091"), context()) == Rejection(
        RejectionCode.INVALID, "the code must be 6 or 10 digits", "code"
    )
