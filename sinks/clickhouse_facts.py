"""Analytics facts beside the events table: typed ClickHouse tables some events also write, one row per fact.

The events table keeps every event as JSON; a fact table lifts what dashboards aggregate (amounts,
accounts, currencies) into typed columns. Each is a ReplacingMergeTree keyed so that a re-delivered
event collapses into the same rows (the sink inserts at least once). Finance domains add theirs here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sinks.records import SinkRecord
from streams.ledger.events import (
    PendingTransferPosted,
    Transfer,
    TransferKind,
    TransferReversed,
    TransfersRecorded,
)


@dataclass(frozen=True)
class Facts:
    table: str
    columns: tuple[str, ...]
    ddl: str  # CREATE TABLE IF NOT EXISTS `{database}`.<table> (...), formatted with the database
    rows: Callable[[SinkRecord], list[list[Any]]]


# A transfer's place in its ledger, as in Postgres (sinks/postgres/ledger.py): event version, then batch index.
BATCH_SPAN = 10_000


def ledger_entry_rows(record: SinkRecord) -> list[list[Any]]:
    """Two rows (debit side, credit side) per posted movement; pendings and voids move nothing posted."""
    envelope, event = record.envelope, record.message
    if envelope.aggregate_type != "ledger":
        return []
    base = envelope.aggregate_version * BATCH_SPAN
    posted: list[tuple[int, Transfer]] = []
    match event:
        case TransfersRecorded(transfers=transfers):
            posted = [(base + i, t) for i, t in enumerate(transfers) if t.kind is TransferKind.POSTED]
        case PendingTransferPosted(transfer=t) | TransferReversed(transfer=t):
            posted = [(base, t)]
    tenant, ledger = envelope.tenant_id or "", envelope.aggregate_id
    return [
        [tenant, ledger, position, t.transfer_id, account, account.split(":", 1)[0], t.currency, debit, credit,
         str(t.kind), t.reference, t.code, t.recorded_at]
        for position, t in posted
        for account, debit, credit in ((t.debit_account, t.amount, 0), (t.credit_account, 0, t.amount))
    ]  # fmt: skip


LEDGER_ENTRIES = Facts(
    table="ledger_entries",
    columns=(
        "tenant_id",
        "ledger_id",
        "position",
        "transfer_id",
        "account_id",
        "chart",
        "currency",
        "debit",
        "credit",
        "kind",
        "reference",
        "code",
        "recorded_at",
    ),
    ddl="""CREATE TABLE IF NOT EXISTS `{database}`.ledger_entries (
        tenant_id String,
        ledger_id String,
        position UInt64,
        transfer_id String,
        account_id String,
        chart LowCardinality(String),
        currency LowCardinality(String),
        debit Int64,
        credit Int64,
        kind LowCardinality(String),
        reference String,
        code LowCardinality(String),
        recorded_at DateTime64(6, 'UTC')
    ) ENGINE = ReplacingMergeTree
    ORDER BY (tenant_id, currency, account_id, position)""",
    rows=ledger_entry_rows,
)

FACTS: tuple[Facts, ...] = (LEDGER_ENTRIES,)
