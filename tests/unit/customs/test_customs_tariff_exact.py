"""The tariff decider's refusals compared whole (code, reason and field), the 5000-row limit on both sides,
and what each event leaves in the table (tenant, number of loads, time of the last change)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from streams.customs.classification import ConfirmedClassification
from streams.customs.duty_tables import ExchangeRate, VatRate
from streams.customs_tariff import decider as tariff
from streams.customs_tariff.commands import ConfirmClassification, LoadTable
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.customs_tariff.events import ClassificationConfirmed, TableLoaded
from streams.customs_tariff.tables import LoadMode, TableKind, TableRows, TariffTable
from streams.decider import CommandContext, Rejection, RejectionCode

DECIDER = CUSTOMS_TARIFF.decider  # with tenancy and the control-character guard around it
TENANT = "tenant-a"
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
DAY = date(2025, 1, 1)


def at(when: datetime = MONDAY, tenant: str = TENANT) -> CommandContext:
    return CommandContext(command_id="c-1", issued_at=when, actor_id="operator-1", tenant_id=tenant)


def vat(percent: str = "20", prefix: str = "") -> VatRate:
    return VatRate(prefix, DAY, None, Decimal(percent))


def vat_load(*rows: Any) -> LoadTable:
    return LoadTable(TableKind.VAT_RATES, TableRows(vat_rates=rows), LoadMode.UPDATE, "upload.csv")


def loaded(*events: Any) -> TariffTable:
    return DECIDER.fold(list(events))


VAT_LOADED = TableLoaded(TENANT, TableKind.VAT_RATES, TableRows(vat_rates=(vat(),)), LoadMode.UPDATE, MONDAY, "a.csv")


def test_a_load_of_another_kind_than_the_table_holds_is_a_conflict_naming_both_kinds() -> None:
    rate = ExchangeRate("USD", DAY, Decimal("86.8389"))
    usd = LoadTable(TableKind.EXCHANGE_RATES, TableRows(exchange_rates=(rate,)), LoadMode.UPDATE)
    assert DECIDER.decide(loaded(VAT_LOADED), usd, at()) == Rejection(
        RejectionCode.CONFLICT, "this table holds vat_rates, not exchange_rates", "kind"
    )


def test_a_load_carrying_rows_of_another_kind_too_is_refused_naming_its_kind() -> None:
    rate = ExchangeRate("USD", DAY, Decimal("86.8389"))
    mixed = LoadTable(TableKind.VAT_RATES, TableRows(vat_rates=(vat(),), exchange_rates=(rate,)), LoadMode.UPDATE)
    assert DECIDER.decide(TariffTable(), mixed, at()) == Rejection(
        RejectionCode.INVALID, "a vat_rates load carries vat_rates rows only", "rows"
    )


ROW_LIMIT_REFUSAL = Rejection(RejectionCode.INVALID, "a load carries 1 to 5000 rows", "rows")


@pytest.mark.parametrize(("rows", "accepted"), [(0, False), (1, True), (5000, True), (5001, False)])
def test_a_load_carries_one_to_five_thousand_rows(rows: int, accepted: bool) -> None:
    command = vat_load(*(vat(prefix=f"{n:04d}") for n in range(rows)))
    decision = DECIDER.decide(TariffTable(), command, at())
    if accepted:
        assert decision == [
            TableLoaded(TENANT, TableKind.VAT_RATES, command.rows, LoadMode.UPDATE, MONDAY, "upload.csv")
        ]
    else:
        assert decision == ROW_LIMIT_REFUSAL


def test_a_bad_row_is_refused_with_its_number_counted_from_one_its_column_and_its_problem() -> None:
    assert DECIDER.decide(TariffTable(), vat_load(vat("20"), vat("120", "9503")), at()) == Rejection(
        RejectionCode.INVALID, "row 2: percent must be 0 to 100", "rows[2].percent"
    )


def test_each_load_counts_and_stamps_the_time_of_the_last_change() -> None:
    first = loaded(VAT_LOADED)
    assert (first.tenant_id, first.loads, first.updated_at) == (TENANT, 1, MONDAY)
    replacing = TableLoaded(
        TENANT, TableKind.VAT_RATES, TableRows(vat_rates=(vat("22"),)), LoadMode.REPLACE, TUESDAY, "b.csv"
    )
    later = tariff.evolve(first, replacing)
    assert (later.loads, later.updated_at, later.rows.vat_rates) == (2, TUESDAY, (vat("22"),))


def test_each_confirmed_classification_counts_stamps_the_time_and_belongs_to_the_tenant() -> None:
    first = tariff.evolve(TariffTable(), ClassificationConfirmed(TENANT, "Cotton tee shirts", "610910", MONDAY))
    assert (first.kind, first.tenant_id, first.loads, first.updated_at) == (
        TableKind.CLASSIFICATIONS, TENANT, 1, MONDAY
    )  # fmt: skip
    second = tariff.evolve(first, ClassificationConfirmed(TENANT, "Wool jumpers", "611011", TUESDAY))
    assert (second.loads, second.updated_at) == (2, TUESDAY)
    assert second.rows.classifications == (
        ConfirmedClassification("Cotton tee shirts", "610910"),
        ConfirmedClassification("Wool jumpers", "611011"),
    )
    refused = DECIDER.decide(second, ConfirmClassification("Linen shirts", "620520"), at(tenant="tenant-b"))
    assert isinstance(refused, Rejection) and refused.code is RejectionCode.NOT_FOUND


def test_what_is_not_a_tariff_command_or_event_is_a_programming_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"^not a tariff command: 'upload'$"):
        tariff.decide(TariffTable(), "upload", at())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^not a tariff event: 'loaded'$"):
        tariff.evolve(TariffTable(), "loaded")  # type: ignore[arg-type]
