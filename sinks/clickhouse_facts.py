"""Analytics facts beside the events table: typed ClickHouse tables some events also write, one row per fact.

The events table keeps every event as JSON; a fact table lifts what dashboards aggregate (amounts,
accounts, currencies, lanes, milestone times) into typed columns. The sink holds no state, so each table
is one of two kinds, both collapsing a re-delivered event (the sink inserts at least once):

- occurrences (`ledger_entries`, `declaration_payments`, `document_activity`, `edi_interchanges`): a
  ReplacingMergeTree row per event (or line of one), keyed by the aggregate and its version, partitioned
  by month of when it happened;
- aggregate states (`shipments`, `declarations`, `declaration_items`, `payments`, `invoices`, `fx_deals`):
  one row per aggregate after merging. Each event inserts the part of the row it knows; an
  AggregatingMergeTree merges parts with idempotent functions (min/max, max of (version, value) for
  "the latest value", unions of ids), so a fact needing state (lead time = delivered - booked) is a
  column difference and replays or re-deliveries change nothing. Queries read them with FINAL (the
  dashboards' tenant tables do). They are not partitioned by month: an aggregate's later events carry
  no creation time, and parts in different partitions never merge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from math import floor
from typing import Any

from sinks.records import SinkRecord
from streams.customs.declaration import DeclarationStatus, GoodsItem
from streams.customs.events import EVENTS as DECLARATION_EVENT_TYPES
from streams.customs.events import (
    CorrectionApplied,
    DeclarationCreated,
    DeclarationRegistered,
    DeclarationRejected,
    DeclarationReleased,
    DeclarationReturnedToDraft,
    DeclarationSubmitted,
    DeclarationValidated,
    DeclarationValidationFailed,
    DutyPaid,
    GoodsItemAdded,
    GoodsItemRemoved,
    GoodsItemUpdated,
    HeaderUpdated,
)
from streams.document.events import DocumentUploaded, FieldVerified, RecognitionFailed, RecognitionRecorded
from streams.edi_partner.events import InterchangeRecorded
from streams.fx.decider import DealStatus
from streams.fx.events import ConversionQuoted, DealAgreed, DealSettled
from streams.invoice.commands import InvoiceKind
from streams.invoice.decider import InvoiceStatus
from streams.invoice.events import EVENTS as INVOICE_EVENT_TYPES
from streams.invoice.events import (
    CreditApplied,
    DraftEdited,
    InvoiceDrafted,
    InvoiceIssued,
    InvoiceMatched,
    InvoiceMismatched,
    InvoicePaymentRecorded,
    InvoiceVoided,
    IssueRequested,
    MismatchAccepted,
    PaymentScheduled,
    SupplierInvoiceReceived,
)
from streams.ledger.events import (
    PendingTransferPosted,
    Transfer,
    TransferKind,
    TransferReversed,
    TransfersRecorded,
)
from streams.payment.commands import Direction
from streams.payment.decider import PaymentStatus
from streams.payment.events import (
    IncomingPaymentRecorded,
    PaymentApproved,
    PaymentCancelled,
    PaymentRejected,
    PaymentRequested,
    PaymentReserved,
    PaymentReturned,
    PaymentSent,
    PaymentSettled,
)
from streams.shipment.events import EVENTS as SHIPMENT_EVENT_TYPES
from streams.shipment.events import (
    ExceptionRaised,
    ExceptionResolved,
    MilestonePlanned,
    MilestoneReached,
    RoutePlanned,
    ShipmentBooked,
    ShipmentCancelled,
    ShipmentCreated,
)
from streams.shipment.lifecycle import Milestone, ShipmentStatus

SHIPMENT_EVENTS, DECLARATION_EVENTS, INVOICE_EVENTS = (
    tuple(SHIPMENT_EVENT_TYPES),
    tuple(DECLARATION_EVENT_TYPES),
    tuple(INVOICE_EVENT_TYPES),
)


# --- Native values: what clickhouse-connect writes as it is, with no conversion of its own per value ---------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def micros(value: datetime) -> int:
    """A DateTime64(6) as the driver sends it: microseconds since the epoch (a naive time is local, as there)."""
    if value.tzinfo is None:
        return floor(value.timestamp()) * 1_000_000 + value.microsecond
    return (value - EPOCH) // MICROSECOND


def micros_column(values: list[Any]) -> list[Any]:
    """`micros` of each value (None stays None), exact integer arithmetic for aware times."""
    try:
        return [None if v is None else (v - EPOCH) // MICROSECOND for v in values]
    except TypeError:  # a naive time among them
        return [None if v is None else micros(v) for v in values]


def days(value: date) -> int:
    """A Date as the driver sends it: days since the epoch."""
    return value.toordinal() - EPOCH_ORDINAL


def native(kind: str) -> Callable[[Any], Any] | None:
    """How a value of a column of this ClickHouse type is sent (None: as it is): times and dates as the integers the
    driver would make of them, the value of a (version, value) tuple likewise."""
    if "DateTime64" in kind:
        base: Callable[[Any], int] = micros
    elif re.search(r"\bDate\b", kind):
        base = days
    else:
        return None
    if kind.startswith("Tuple(") or "(max, Tuple(" in kind:
        return lambda v: (v[0], base(v[1]))
    return lambda v: None if v is None else base(v)


def native_columns(rows: Sequence[Sequence[Any]], types: Sequence[str]) -> list[list[Any]]:
    """Rows as the insert's columns, each value as `native` says for its column's type."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    for i, kind in enumerate(types):
        if "DateTime64" in kind and "Tuple(" not in kind:
            columns[i] = micros_column(columns[i])
        elif (convert := native(kind)) is not None:
            columns[i] = [convert(v) for v in columns[i]]
    return columns


@dataclass(frozen=True)
class Facts:
    table: str
    columns: tuple[str, ...]
    ddl: str  # CREATE TABLE IF NOT EXISTS `{database}`.<table> (...), formatted with the database
    rows: Callable[[SinkRecord], list[list[Any]]]
    # What queries read, as a SELECT list over the merged table: (version, value) columns as their value.
    reads: str = "*"
    types: tuple[str, ...] = ()  # each column's ClickHouse type, in `columns` order
    # The batch's rows as the insert's columns in native values (None: no rows); by default `rows`, transposed.
    batch_columns: Callable[[list[SinkRecord]], list[list[Any]] | None] | None = field(default=None, compare=False)
    # The message types that can make a row (`rows` makes none for any other): the sink hands the table only those.
    events: tuple[type, ...] = ()

    def columns_of(self, records: list[SinkRecord]) -> list[list[Any]] | None:
        """What one column-oriented insert of these records into the table sends, or None when they make no row."""
        if self.batch_columns is not None:
            return self.batch_columns(records)
        rows_of = self.rows
        rows = [row for record in records for row in rows_of(record)]
        return native_columns(rows, self.types) if rows else None


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
    events=(TransfersRecorded, PendingTransferPosted, TransferReversed),
    types=(
        "String", "String", "UInt64", "String", "String", "LowCardinality(String)", "LowCardinality(String)",
        "Int64", "Int64", "LowCardinality(String)", "String", "LowCardinality(String)", "DateTime64(6, 'UTC')",
    ),
)  # fmt: skip


def fact_table(
    table: str,
    columns: tuple[tuple[str, str], ...],
    engine: str,
    order_by: str,
    rows: Callable[[SinkRecord], list[list[Any]]],
    partition_by: str | None = None,
    batch_columns: Callable[[list[SinkRecord]], list[list[Any]] | None] | None = None,
    *,
    events: tuple[type, ...],
) -> Facts:
    """A fact table from its typed columns: the DDL and the insert's column names say the same thing."""
    body = ",\n        ".join(f"{name} {kind}" for name, kind in columns)
    partition = f"\n    PARTITION BY {partition_by}" if partition_by else ""
    ddl = (
        f"CREATE TABLE IF NOT EXISTS `{{database}}`.{table} (\n        {body}\n    ) ENGINE = {engine}{partition}"
        f"\n    ORDER BY ({order_by})"
    )
    return Facts(
        table=table,
        columns=tuple(name for name, _ in columns),
        ddl=ddl,
        rows=rows,
        types=tuple(kind for _, kind in columns),
        batch_columns=batch_columns,
        events=events,
    )


@dataclass(frozen=True)
class Merge:
    """How an aggregate-state column merges the parts its events insert, and what a part that does not know it holds."""

    type: str
    unknown: Any
    versioned: bool = False  # stored as (version, value): the value of the latest event that set it wins


LATEST = Merge("SimpleAggregateFunction(max, Tuple(UInt64, String))", "", versioned=True)
LATEST_AMOUNT = Merge("SimpleAggregateFunction(max, Tuple(UInt64, Decimal(38, 6)))", Decimal(0), versioned=True)
LATEST_DATE = Merge("SimpleAggregateFunction(max, Tuple(UInt64, Date))", date(1970, 1, 1), versioned=True)
LATEST_AT = Merge("SimpleAggregateFunction(max, Tuple(UInt64, DateTime64(6, 'UTC')))", EPOCH, versioned=True)
FIRST_AT = Merge("SimpleAggregateFunction(min, Nullable(DateTime64(6, 'UTC')))", None)
LAST_AT = Merge("SimpleAggregateFunction(max, Nullable(DateTime64(6, 'UTC')))", None)
SET_ONCE = Merge("SimpleAggregateFunction(max, String)", "")  # set by one event ("" sorts below any value)
IDS = Merge("SimpleAggregateFunction(groupUniqArrayArray, Array(String))", [])


def aggregate_state(
    table: str,
    id_column: str,
    columns: dict[str, Merge],
    part: Callable[[Any], dict[str, Any] | None],
    events: tuple[type, ...],
) -> Facts:
    """An AggregatingMergeTree with one row per aggregate once merged; `part` says what one event sets."""

    def rows(record: SinkRecord) -> list[list[Any]]:
        known = part(record.message)
        if known is None:
            return []
        envelope = record.envelope
        version = envelope.aggregate_version
        values = [
            ((version, known[name]) if name in known else (0, merge.unknown))
            if merge.versioned
            else known.get(name, merge.unknown)
            for name, merge in columns.items()
        ]
        return [[envelope.tenant_id or "", envelope.aggregate_id, version, *values]]

    typed = (
        ("tenant_id", "String"),
        (id_column, "String"),
        ("version", "SimpleAggregateFunction(max, UInt64)"),
        *((name, merge.type) for name, merge in columns.items()),
    )
    values = (
        (f"{name}.2 AS {name}" if merge.unknown == "" else f"if({name}.1 = 0, NULL, {name}.2) AS {name}")
        if merge.versioned
        else name
        for name, merge in columns.items()
    )
    reads = ", ".join(("tenant_id", id_column, "version", *values))
    facts = fact_table(table, typed, "AggregatingMergeTree", f"tenant_id, {id_column}", rows, events=events)
    return replace(facts, reads=reads, batch_columns=state_columns(columns, part))


def state_columns(
    columns: dict[str, Merge], part: Callable[[Any], dict[str, Any] | None]
) -> Callable[[list[SinkRecord]], list[list[Any]] | None]:
    """`aggregate_state`'s rows for a batch, built as columns: each column starts as what a part that does not know
    it holds, then each event's part sets the few values it knows (an event sets two or three of twenty)."""
    converts = {name: native(merge.type) for name, merge in columns.items()}
    unknowns = {name: (0, merge.unknown) if merge.versioned else merge.unknown for name, merge in columns.items()}
    native_unknowns = {
        name: unknown if (convert := converts[name]) is None else convert(unknown) for name, unknown in unknowns.items()
    }
    versioned = {name: merge.versioned for name, merge in columns.items()}

    def batch_columns(records: list[SinkRecord]) -> list[list[Any]] | None:
        tenants: list[str] = []
        ids: list[str] = []
        versions: list[int] = []
        knowns: list[dict[str, Any]] = []
        for record in records:
            known = part(record.message)
            if known is None:
                continue
            envelope = record.envelope
            tenants.append(envelope.tenant_id or "")
            ids.append(envelope.aggregate_id)
            versions.append(envelope.aggregate_version)
            knowns.append(known)
        if not knowns:
            return None
        values = {name: [unknown] * len(knowns) for name, unknown in native_unknowns.items()}
        for i, (version, known) in enumerate(zip(versions, knowns, strict=True)):
            for name, value in known.items():
                column = values.get(name)
                if column is None:  # not a column of the table: the row-wise build ignores it too
                    continue
                if versioned[name]:
                    value = (version, value)
                convert = converts[name]
                column[i] = value if convert is None else convert(value)
        return [tenants, ids, versions, *values.values()]

    return batch_columns


def occurrences(
    table: str,
    id_column: str,
    columns: tuple[tuple[str, str], ...],
    key: str,
    at: str,
    lines: Callable[[Any], list[list[Any]]],
    events: tuple[type, ...],
) -> Facts:
    """A ReplacingMergeTree of what events report, one row per line, keyed by aggregate, version and `key`."""

    def rows(record: SinkRecord) -> list[list[Any]]:
        envelope = record.envelope
        return [
            [envelope.tenant_id or "", envelope.aggregate_id, envelope.aggregate_version, *line]
            for line in lines(record.message)
        ]

    typed = (("tenant_id", "String"), (id_column, "String"), ("version", "UInt64"), *columns)
    order = f"tenant_id, {id_column}, version" + (f", {key}" if key else "")
    return fact_table(table, typed, "ReplacingMergeTree", order, rows, partition_by=f"toYYYYMM({at})", events=events)


# Shipments: lane, mode, milestone times (lead time, dwell per milestone, on time against the plan), exceptions.
MILESTONE_COLUMNS = {f"{m}_at": LAST_AT for m in Milestone}


def shipment_part(event: Any) -> dict[str, Any] | None:
    match event:
        case ShipmentCreated():
            return {"reference": event.reference, "mode": str(event.mode), "status": str(ShipmentStatus.DRAFT),
                    "created_at": event.created_at}  # fmt: skip
        case RoutePlanned(legs=legs) if legs:
            planned = {"planned_arrival": legs[-1].planned_arrival} if legs[-1].planned_arrival else {}
            return {"origin": legs[0].origin, "destination": legs[-1].destination, **planned}
        case ShipmentBooked():
            return {"carrier": event.carrier.name, "status": str(ShipmentStatus.BOOKED), "booked_at": event.booked_at}
        case MilestonePlanned(milestone=Milestone.ARRIVED):
            return {"planned_arrival": event.planned_at}
        case MilestoneReached():
            return {f"{event.milestone}_at": event.actual_at, "status": str(event.status)}
        case ExceptionRaised():
            return {"exceptions": [event.exception_id], "exception_kinds": [str(event.kind)]}
        case ExceptionResolved():
            return {"exceptions_resolved": [event.exception_id]}
        case ShipmentCancelled():
            return {"status": str(ShipmentStatus.CANCELLED), "cancelled_at": event.cancelled_at}
    return {} if isinstance(event, SHIPMENT_EVENTS) else None


SHIPMENTS = aggregate_state(
    "shipments",
    "shipment_id",
    {
        "reference": SET_ONCE,
        "mode": SET_ONCE,
        "origin": LATEST,  # UN/LOCODE; its first two letters are the country
        "destination": LATEST,
        "carrier": LATEST,
        "status": LATEST,
        "created_at": FIRST_AT,
        "planned_arrival": LATEST_AT,
        **MILESTONE_COLUMNS,
        "cancelled_at": LAST_AT,
        "exceptions": IDS,
        "exception_kinds": IDS,
        "exceptions_resolved": IDS,
    },
    shipment_part,
    SHIPMENT_EVENTS,
)

# Customs declarations: procedure, status and its times, rejection reasons, the authority's figures.
DECLARATION_STATUS = {
    DeclarationValidated: DeclarationStatus.VALIDATED,
    DeclarationValidationFailed: DeclarationStatus.DRAFT,
    DeclarationReturnedToDraft: DeclarationStatus.DRAFT,
    DeclarationSubmitted: DeclarationStatus.SUBMITTED,
    DeclarationRegistered: DeclarationStatus.REGISTERED,
    DeclarationReleased: DeclarationStatus.RELEASED,
    DeclarationRejected: DeclarationStatus.REJECTED,
}


def declaration_part(event: Any) -> dict[str, Any] | None:
    if not isinstance(event, DECLARATION_EVENTS):
        return None
    part: dict[str, Any] = {}
    if (status := DECLARATION_STATUS.get(type(event))) is not None:
        part["status"] = str(status)
    match event:
        case DeclarationCreated(header=header) | HeaderUpdated(header=header):
            part |= {"reference": header.reference, "procedure_code": header.procedure_code,
                     "customs_office_code": header.customs_office_code,
                     "dispatch_country": header.dispatch_country or ""}  # fmt: skip
            if isinstance(event, DeclarationCreated):
                part |= {"status": str(DeclarationStatus.DRAFT), "created_at": event.created_at}
        case DeclarationSubmitted():
            part["submitted_at"] = event.submitted_at
        case DeclarationRegistered():
            part |= {"registered_at": event.registered_at, "payments_due": event.payments_due or Decimal(0)}
        case DeclarationReleased():
            part |= {"released_at": event.released_at, "assessed": sum((p.amount for p in event.assessed), Decimal(0))}
        case DeclarationRejected():
            part |= {"rejected_at": event.rejected_at, "rejection_reason": event.reason}
        case DutyPaid():
            part["duty_paid_at"] = event.paid_at
    return part


DECLARATIONS = aggregate_state(
    "declarations",
    "declaration_id",
    {
        "reference": LATEST,
        "procedure_code": LATEST,
        "customs_office_code": LATEST,
        "dispatch_country": LATEST,
        "status": LATEST,
        "created_at": FIRST_AT,
        "submitted_at": LAST_AT,
        "registered_at": LAST_AT,
        "released_at": LAST_AT,
        "rejected_at": LAST_AT,
        "rejection_reason": LATEST,
        "payments_due": LATEST_AMOUNT,  # roubles the authority assessed on registration
        "assessed": LATEST_AMOUNT,  # roubles the authority stated on release, all payment types
        "duty_paid_at": LAST_AT,
    },
    declaration_part,
    DECLARATION_EVENTS,
)


def declaration_item_lines(event: Any) -> list[tuple[str, GoodsItem | None]]:
    match event:
        case DeclarationCreated(items=items) | CorrectionApplied(items=items):
            return [(item.item_id, item) for item in items]
        case GoodsItemAdded(item=item) | GoodsItemUpdated(item=item):
            return [(item.item_id, item)]
        case GoodsItemRemoved(item_id=item_id):
            return [(item_id, None)]
    return []


def declaration_item_rows(record: SinkRecord) -> list[list[Any]]:
    """The item as the declaration's latest event about it says (ReplacingMergeTree on version), removed flagged."""
    envelope = record.envelope
    return [
        [envelope.tenant_id or "", envelope.aggregate_id, item_id, envelope.aggregate_version,
         item.commodity_code if item else "", item.commodity_code[:2] if item else "",
         item.origin_country if item else "", item.invoice_value if item else Decimal(0),
         item.currency if item else "", item is None]
        for item_id, item in declaration_item_lines(record.message)
    ]  # fmt: skip


DECLARATION_ITEMS = fact_table(
    "declaration_items",
    (
        ("tenant_id", "String"),
        ("declaration_id", "String"),
        ("item_id", "String"),
        ("version", "UInt64"),
        ("commodity_code", "String"),
        ("hs_chapter", "LowCardinality(String)"),
        ("origin_country", "LowCardinality(String)"),
        ("invoice_value", "Decimal(38, 6)"),
        ("currency", "LowCardinality(String)"),
        ("removed", "Bool"),
    ),
    "ReplacingMergeTree(version)",
    "tenant_id, declaration_id, item_id",
    declaration_item_rows,
    events=(DeclarationCreated, CorrectionApplied, GoodsItemAdded, GoodsItemUpdated, GoodsItemRemoved),
)

DECLARATION_PAYMENTS = occurrences(
    "declaration_payments",
    "declaration_id",
    (("payment_code", "LowCardinality(String)"), ("amount", "Decimal(38, 6)"), ("released_at", "DateTime64(6, 'UTC')")),
    key="payment_code",
    at="released_at",
    lines=lambda event: (
        [[p.payment_code, p.amount, event.released_at] for p in event.assessed]
        if isinstance(event, DeclarationReleased)
        else []
    ),
    events=(DeclarationReleased,),
)

# Finance: payments by currency and counterparty, invoices for ageing, FX deals for exposure.
PAYMENT_STATUS = {
    PaymentApproved: PaymentStatus.APPROVED,
    PaymentRejected: PaymentStatus.REJECTED,
    PaymentReserved: PaymentStatus.RESERVED,
    PaymentSent: PaymentStatus.SENT,
    PaymentSettled: PaymentStatus.SETTLED,
    PaymentReturned: PaymentStatus.RETURNED,
    PaymentCancelled: PaymentStatus.CANCELLED,
}


def payment_part(event: Any) -> dict[str, Any] | None:
    match event:
        case PaymentRequested():
            return {"direction": str(Direction.OUTGOING), "status": str(PaymentStatus.REQUESTED),
                    "currency": event.currency, "amount": event.amount, "counterparty": event.beneficiary.name,
                    "requested_at": event.requested_at}  # fmt: skip
        case IncomingPaymentRecorded():
            return {"direction": str(Direction.INCOMING), "status": str(PaymentStatus.SETTLED),
                    "currency": event.currency, "amount": event.amount, "counterparty": event.payer.name,
                    "settled_on": event.received_on}  # fmt: skip
        case PaymentSettled():
            return {"status": str(PaymentStatus.SETTLED), "settled_on": event.settled_on}
    status = PAYMENT_STATUS.get(type(event))
    return {"status": str(status)} if status is not None else None


PAYMENTS = aggregate_state(
    "payments",
    "payment_id",
    {
        "direction": SET_ONCE,
        "status": LATEST,
        "currency": LATEST,
        "amount": LATEST_AMOUNT,
        "counterparty": LATEST,
        "requested_at": FIRST_AT,
        "settled_on": LATEST_DATE,
    },
    payment_part,
    (PaymentRequested, IncomingPaymentRecorded, PaymentSettled, *PAYMENT_STATUS),
)

INVOICE_STATUS = {
    InvoiceMatched: InvoiceStatus.MATCHED,
    MismatchAccepted: InvoiceStatus.MATCHED,
    InvoiceMismatched: InvoiceStatus.MISMATCHED,
    PaymentScheduled: InvoiceStatus.SCHEDULED,
    IssueRequested: InvoiceStatus.ISSUING,
    InvoiceIssued: InvoiceStatus.ISSUED,
    InvoiceVoided: InvoiceStatus.VOID,
}


def invoice_part(event: Any) -> dict[str, Any] | None:
    part: dict[str, Any] = {}
    if (status := INVOICE_STATUS.get(type(event))) is not None:
        part["status"] = str(status)
    match event:
        case SupplierInvoiceReceived() | InvoiceDrafted() | DraftEdited():
            content, totals = event.content, event.totals
            part |= {"counterparty": content.counterparty.name, "currency": content.currency, "due_on": content.due_on,
                     "total": totals.total, "outstanding": totals.total}  # fmt: skip
            if isinstance(event, SupplierInvoiceReceived):
                part |= {"kind": str(InvoiceKind.PAYABLE), "status": str(InvoiceStatus.RECEIVED),
                         "issued_on": event.issued_on}  # fmt: skip
            elif isinstance(event, InvoiceDrafted):
                part |= {"kind": str(event.kind), "status": str(InvoiceStatus.DRAFT)}
        case InvoiceIssued():
            part |= {"issued_on": event.issued_on, "due_on": event.due_on}
        case CreditApplied() | InvoicePaymentRecorded():
            part["outstanding"] = event.outstanding
            if event.outstanding == 0:
                part["status"] = str(InvoiceStatus.PAID)
            elif isinstance(event, InvoicePaymentRecorded):
                part["status"] = str(InvoiceStatus.PARTLY_PAID)
        case _ if not isinstance(event, INVOICE_EVENTS):
            return None
    return part


INVOICES = aggregate_state(
    "invoices",
    "invoice_id",
    {
        "kind": SET_ONCE,  # payable, receivable, credit_note
        "status": LATEST,
        "counterparty": LATEST,
        "currency": LATEST,
        "total": LATEST_AMOUNT,
        "outstanding": LATEST_AMOUNT,  # before credits and payments: the total
        "issued_on": LATEST_DATE,
        "due_on": LATEST_DATE,
    },
    invoice_part,
    INVOICE_EVENTS,
)


def fx_deal_part(event: Any) -> dict[str, Any] | None:
    match event:
        case ConversionQuoted() | DealAgreed():
            agreed = isinstance(event, DealAgreed)
            return {"status": str(DealStatus.AGREED if agreed else DealStatus.QUOTED),
                    "sell_currency": event.sell_currency, "buy_currency": event.buy_currency,
                    "sell_amount": event.sell_amount, "buy_amount": event.buy_amount, "rate": event.rate,
                    **({"agreed_at": event.agreed_at} if isinstance(event, DealAgreed) else {})}  # fmt: skip
        case DealSettled():
            return {"status": str(DealStatus.SETTLED), "settled_at": event.settled_at}
    return None


FX_DEALS = aggregate_state(
    "fx_deals",
    "deal_id",
    {
        "status": LATEST,
        "sell_currency": LATEST,
        "buy_currency": LATEST,
        "sell_amount": LATEST_AMOUNT,
        "buy_amount": LATEST_AMOUNT,
        "rate": LATEST_AMOUNT,
        "agreed_at": LAST_AT,
        "settled_at": LAST_AT,
    },
    fx_deal_part,
    (ConversionQuoted, DealAgreed, DealSettled),
)


# Documents: uploads, recognitions (fields, problems), failures, and the operators' verifications.
def document_lines(event: Any) -> list[list[Any]]:
    match event:
        case DocumentUploaded():
            return [["uploaded", str(event.document_type), 0, 0, False, "", event.uploaded_at]]
        case RecognitionRecorded():
            return [["recognised", event.document_type, len(event.fields), len(event.problems), False, "",
                     event.recorded_at]]  # fmt: skip
        case RecognitionFailed():
            return [["recognition_failed", "", 0, 0, False, "", event.failed_at]]
        case FieldVerified():
            return [["field_verified", "", 1, 0, event.corrected, event.name, event.verified_at]]
    return []


DOCUMENT_ACTIVITY = occurrences(
    "document_activity",
    "document_id",
    (
        ("activity", "LowCardinality(String)"),
        ("document_type", "LowCardinality(String)"),
        ("fields", "UInt32"),
        ("problems", "UInt32"),
        ("corrected", "Bool"),
        ("field_name", "LowCardinality(String)"),
        ("at", "DateTime64(6, 'UTC')"),
    ),
    key="",
    at="at",
    lines=document_lines,
    events=(DocumentUploaded, RecognitionRecorded, RecognitionFailed, FieldVerified),
)

# EDI: each interchange a partner sent, with its result (applied, duplicate, dead-lettered).
EDI_INTERCHANGES = occurrences(
    "edi_interchanges",
    "partner_id",
    (
        ("message_id", "String"),
        ("attempt", "UInt32"),
        ("status", "LowCardinality(String)"),
        ("messages", "UInt32"),
        ("reason", "String"),
        ("received_at", "DateTime64(6, 'UTC')"),
    ),
    key="",
    at="received_at",
    lines=lambda event: (
        [[r.message_id, r.attempt, str(r.status), len(r.messages), r.reason or "", r.received_at]]
        if isinstance(event, InterchangeRecorded) and (r := event.result)
        else []
    ),
    events=(InterchangeRecorded,),
)

FACTS: tuple[Facts, ...] = (
    LEDGER_ENTRIES,
    SHIPMENTS,
    DECLARATIONS,
    DECLARATION_ITEMS,
    DECLARATION_PAYMENTS,
    PAYMENTS,
    INVOICES,
    FX_DEALS,
    DOCUMENT_ACTIVITY,
    EDI_INTERCHANGES,
)

_FACTS_OF: dict[type, tuple[Facts, ...]] = {}


def facts_of(kind: type) -> tuple[Facts, ...]:
    """The fact tables a message of this type can make rows in (as isinstance sees it: a subclass counts)."""
    found = _FACTS_OF.get(kind)
    if found is None:
        found = _FACTS_OF[kind] = tuple(f for f in FACTS if issubclass(kind, f.events))
    return found


def records_by_table(records: list[SinkRecord]) -> dict[str, list[SinkRecord]]:
    """Each fact table's share of the records (those of the types it reads), in record order; none: left out."""
    shares: dict[str, list[SinkRecord]] = {}
    for record in records:
        for facts in facts_of(type(record.message)):
            share = shares.get(facts.table)
            if share is None:
                shares[facts.table] = [record]
            else:
                share.append(record)
    return shares
