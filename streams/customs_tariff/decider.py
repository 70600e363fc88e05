"""The tariff-table decider: which loads of a tenant's table are accepted.

- A table belongs to the tenant that first loaded it; a command of another tenant is NOT_FOUND.
- A load names its kind and carries rows of that kind only, 1 to MAX_ROWS_PER_LOAD of them; a later
  load must be of the table's own kind.
- Every row must make sense on its own: valid_to not before valid_from; percentages within 0..100
  (duty up to 1000); specific duty kinds with a positive amount, per-unit ones naming the unit;
  fee bands with an upper bound above the lower; positive exchange rates; preference shares 0..1;
  national lines of 10 digits; confirmed codes of 6 or 10 digits.
- A classification is confirmed into the tenant's `classifications` table (one aggregate per tenant).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

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
from streams.customs_tariff.commands import ConfirmClassification, LoadTable, TariffCommand
from streams.customs_tariff.events import ClassificationConfirmed, TableLoaded, TariffEvent
from streams.customs_tariff.tables import LoadMode, TableKind, TariffTable, merge
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace

MAX_ROWS_PER_LOAD = 5000
DESCRIPTION_MAX = 1000
CONFIRMED_CODE = re.compile(r"\d{6}(\d{4})?")
NATIONAL_CODE = re.compile(r"\d{10}")
CURRENCY = re.compile(r"[A-Z]{3}")
COUNTRY = re.compile(r"[A-Z]{2}")
HUNDRED = Decimal(100)

Decision = Sequence[TariffEvent] | Rejection


def _row_problems(row: Any) -> Iterator[tuple[str, str]]:
    """(column, problem) for each thing wrong with one row."""
    valid_to = getattr(row, "valid_to", None)
    if valid_to is not None and valid_to < row.valid_from:
        yield "valid_to", "ends before it starts"
    match row:
        case DutyRate():
            if not 0 <= row.ad_valorem_percent <= 10 * HUNDRED:
                yield "ad_valorem_percent", "must be 0 to 1000"
            if row.kind is not DutyKind.AD_VALOREM:
                if row.specific_amount <= 0:
                    yield "specific_amount", f"a {row.kind} duty needs a positive specific amount"
                if not CURRENCY.fullmatch(row.specific_currency):
                    yield "specific_currency", "must be an ISO 4217 code"
                if row.specific_basis is SpecificBasis.UNIT and not row.unit_code:
                    yield "unit_code", "a per-unit duty names its OKEI unit"
            if row.origin_country is not None and not COUNTRY.fullmatch(row.origin_country):
                yield "origin_country", "must be an ISO alpha-2 code"
        case OriginPreference():
            if not 0 <= row.share_of_base_rate <= 1:
                yield "share_of_base_rate", "must be 0 to 1"
        case ExciseRate():
            if row.amount < 0:
                yield "amount", "must not be negative"
        case VatRate():
            if not 0 <= row.percent <= HUNDRED:
                yield "percent", "must be 0 to 100"
        case FeeBand():
            if row.value_over < 0 or (row.value_up_to is not None and row.value_up_to <= row.value_over):
                yield "value_up_to", "must be above value_over"
            if row.fee < 0:
                yield "fee", "must not be negative"
        case ExchangeRate():
            if row.rate <= 0:
                yield "rate", "must be positive"
            if not CURRENCY.fullmatch(row.currency):
                yield "currency", "must be an ISO 4217 code"
        case NationalLine():
            if not NATIONAL_CODE.fullmatch(row.code):
                yield "code", "must be 10 digits"
        case ConfirmedClassification():
            if not CONFIRMED_CODE.fullmatch(row.code):
                yield "code", "must be 6 or 10 digits"


def _load(state: TariffTable, cmd: LoadTable, context: CommandContext) -> Decision:
    if state.kind is not None and state.kind is not cmd.kind:
        return reject(RejectionCode.CONFLICT, f"this table holds {state.kind}, not {cmd.kind}", "kind")
    if any(kind is not cmd.kind for kind in cmd.rows.filled_kinds()):
        return reject(RejectionCode.INVALID, f"a {cmd.kind} load carries {cmd.kind} rows only", "rows")
    rows = cmd.rows.of(cmd.kind)
    if not 0 < len(rows) <= MAX_ROWS_PER_LOAD:
        return reject(RejectionCode.INVALID, f"a load carries 1 to {MAX_ROWS_PER_LOAD} rows", "rows")
    for number, row in enumerate(rows, start=1):
        for column, problem in _row_problems(row):
            return reject(RejectionCode.INVALID, f"row {number}: {column} {problem}", f"rows[{number}].{column}")
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    return [TableLoaded(context.tenant_id, cmd.kind, cmd.rows, cmd.mode, context.issued_at, cmd.source)]


def _confirm(state: TariffTable, cmd: ConfirmClassification, context: CommandContext) -> Decision:
    if state.kind is not None and state.kind is not TableKind.CLASSIFICATIONS:
        return reject(RejectionCode.CONFLICT, f"this table holds {state.kind}, not classifications")
    if not 0 < len(cmd.description.strip()) <= DESCRIPTION_MAX:
        return reject(RejectionCode.INVALID, f"a description of 1 to {DESCRIPTION_MAX} characters", "description")
    if not CONFIRMED_CODE.fullmatch(cmd.code):
        return reject(RejectionCode.INVALID, "the code must be 6 or 10 digits", "code")
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    return [ClassificationConfirmed(context.tenant_id, cmd.description.strip(), cmd.code, context.issued_at)]


def decide(state: TariffTable, command: TariffCommand, context: CommandContext) -> Decision:
    # Tenancy (only this tenant's table) is the combinator streams.tenancy wraps around every domain.
    match command:
        case LoadTable():
            return _load(state, command, context)
        case ConfirmClassification():
            return _confirm(state, command, context)
    raise TypeError(f"not a tariff command: {command!r}")


def evolve(state: TariffTable, event: TariffEvent) -> TariffTable:
    match event:
        case TableLoaded(kind=kind, rows=rows, mode=mode):
            current = replace(state, kind=kind, tenant_id=event.tenant_id)
            merged = merge(kind, current.rows.of(kind), rows.of(kind), mode)
            return replace(current.with_rows(merged), loads=state.loads + 1, updated_at=event.loaded_at)
        case ClassificationConfirmed():
            current = replace(state, kind=TableKind.CLASSIFICATIONS, tenant_id=event.tenant_id)
            confirmed = (ConfirmedClassification(event.description, event.code),)
            merged = merge(TableKind.CLASSIFICATIONS, current.rows.classifications, confirmed, LoadMode.UPDATE)
            return replace(current.with_rows(merged), loads=state.loads + 1, updated_at=event.confirmed_at)
    raise TypeError(f"not a tariff event: {event!r}")


tariff_decider: Decider[TariffTable, TariffCommand, TariffEvent] = Decider(TariffTable(), decide, evolve)
