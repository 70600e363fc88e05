"""One tariff table of a tenant: which kinds there are, the rows each holds, and how a load merges in.

A load either replaces the whole table (the upload is the table from now on) or updates it: each
effective-dated row supersedes the open-ended row with the same key the day before it starts (see
`streams.customs.duty_tables.supersede`), so the history stays queryable; national lines and confirmed
classifications, which are not effective-dated that way, replace the row with the same code or
description.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from streams.customs.classification import ConfirmedClassification, NationalLine, TenantFeedback
from streams.customs.duty_tables import (
    DutyRate,
    ExchangeRate,
    ExciseRate,
    FeeBand,
    OriginPreference,
    TariffTables,
    VatRate,
    supersede,
)
from streams.immutable import replace


class TableKind(StrEnum):
    """The tables a tenant keeps; each is one aggregate (`aggregate_id`)."""

    DUTY_RATES = "duty_rates"
    PREFERENCES = "preferences"
    EXCISE_RATES = "excise_rates"
    VAT_RATES = "vat_rates"
    FEE_SCALE = "fee_scale"
    EXCHANGE_RATES = "exchange_rates"
    NATIONAL_LINES = "national_lines"
    CLASSIFICATIONS = "classifications"  # descriptions the tenant's operators confirmed with a code


class LoadMode(StrEnum):
    REPLACE = "replace"  # the uploaded rows are the whole table from now on
    UPDATE = "update"  # the uploaded rows supersede (or add to) the rows in force


@dataclass(frozen=True)
class TableRows:
    """The rows of one table; only the field named like the table's kind is filled."""

    duty_rates: tuple[DutyRate, ...] = ()
    preferences: tuple[OriginPreference, ...] = ()
    excise_rates: tuple[ExciseRate, ...] = ()
    vat_rates: tuple[VatRate, ...] = ()
    fee_scale: tuple[FeeBand, ...] = ()
    exchange_rates: tuple[ExchangeRate, ...] = ()
    national_lines: tuple[NationalLine, ...] = ()
    classifications: tuple[ConfirmedClassification, ...] = ()

    def of(self, kind: TableKind) -> tuple[Any, ...]:
        rows: tuple[Any, ...] = getattr(self, kind.value)
        return rows

    def filled_kinds(self) -> list[TableKind]:
        return [TableKind(f.name) for f in fields(self) if getattr(self, f.name)]

    @classmethod
    def holding(cls, kind: TableKind, rows: tuple[Any, ...]) -> TableRows:
        return cls(**{kind.value: rows})


def aggregate_id(tenant_id: str, kind: TableKind) -> str:
    """One aggregate per tenant and table, so a daily rate load never rewrites the duty table."""
    return f"{tenant_id}.{kind.value}"


def _merge_by(rows: tuple[Any, ...], new_rows: tuple[Any, ...], key: str) -> tuple[Any, ...]:
    replaced = {getattr(row, key) for row in new_rows}
    return (*(row for row in rows if getattr(row, key) not in replaced), *new_rows)


def _exchange_key(row: ExchangeRate) -> tuple[str, Any]:
    return (row.currency, row.rate_date)


def merge(kind: TableKind, current: tuple[Any, ...], loaded: tuple[Any, ...], mode: LoadMode) -> tuple[Any, ...]:
    """The table's rows after a load."""
    if mode is LoadMode.REPLACE:
        return loaded
    if kind is TableKind.NATIONAL_LINES:
        return _merge_by(current, loaded, "code")
    if kind is TableKind.CLASSIFICATIONS:
        kept = {row.description.strip().lower() for row in loaded}
        return (*(r for r in current if r.description.strip().lower() not in kept), *loaded)
    if kind is TableKind.EXCHANGE_RATES:  # a rate is set for a date: a new figure for that date corrects it
        dates = {_exchange_key(row) for row in loaded}
        return (*(r for r in current if _exchange_key(r) not in dates), *loaded)
    rows = current
    for row in loaded:
        rows = supersede(rows, row)
    return rows


@dataclass(frozen=True)
class TariffTable:
    """The aggregate: one table of one tenant."""

    kind: TableKind | None = None  # None: nothing loaded yet
    tenant_id: str = ""
    rows: TableRows = TableRows()
    loads: int = 0
    updated_at: datetime | None = None

    def with_rows(self, rows: tuple[Any, ...]) -> TariffTable:
        assert self.kind is not None
        return replace(self, rows=TableRows.holding(self.kind, rows))


def tariff_tables(tables: dict[TableKind, TariffTable]) -> TariffTables:
    """What a payment calculation reads, from the tenant's loaded tables."""

    def rows(kind: TableKind) -> tuple[Any, ...]:
        table = tables.get(kind)
        return table.rows.of(kind) if table is not None else ()

    return TariffTables(
        duty_rates=rows(TableKind.DUTY_RATES),
        preferences=rows(TableKind.PREFERENCES),
        excise_rates=rows(TableKind.EXCISE_RATES),
        vat_rates=rows(TableKind.VAT_RATES),
        fee_bands=rows(TableKind.FEE_SCALE),
        exchange_rates=rows(TableKind.EXCHANGE_RATES),
    )


def tenant_feedback(table: TariffTable | None) -> TenantFeedback:
    return TenantFeedback(table.rows.classifications if table is not None else ())
