"""Events of invoices and of their numbering: facts, named in the past tense.

They carry what a stateless saga needs: the amounts, the currency, the supplier's bank details, the due
date and the purchase order, so that "matched -> scheduled for payment" reads nothing but the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from streams.invoice.commands import InvoiceContent, InvoiceKind, VatRate
from streams.payment.commands import Party


@dataclass(frozen=True)
class VatLine:
    """The invoice's VAT at one rate: the base and the tax, each rounded to the currency's minor units."""

    rate: VatRate
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    total: Decimal  # net + vat: what is owed before credits and payments
    vat_lines: tuple[VatLine, ...]


@dataclass(frozen=True)
class SupplierInvoiceReceived:
    tenant_id: str
    supplier_invoice_number: str
    issued_on: date
    content: InvoiceContent
    totals: Totals
    received_by: str | None
    received_at: datetime


@dataclass(frozen=True)
class LineMismatch:
    """Why one line does not match: `invoice_line_no` (None: the order line was not invoiced) and the reason."""

    invoice_line_no: int | None
    order_line_no: int | None
    problem: str  # a MismatchKind value
    reason: str  # in words, with the figures
    expected: Decimal | None = None
    actual: Decimal | None = None


@dataclass(frozen=True)
class MatchedLine:
    """One invoice line beside its order line: the three figures of the three-way match."""

    invoice_line_no: int | None  # None: an order line this invoice does not bill
    order_line_no: int | None  # None: the invoice line names no line of the order
    ordered: Decimal | None
    received: Decimal | None
    invoiced: Decimal | None
    order_price: Decimal | None
    invoiced_price: Decimal | None
    matches: bool


@dataclass(frozen=True)
class InvoiceMatched:
    """Every line agrees with the order (within tolerance): the invoice may be paid."""

    purchase_order_id: str
    matched_at: datetime
    lines: tuple[MatchedLine, ...]
    # For the payment saga:
    supplier_invoice_number: str
    total: Decimal
    currency: str
    due_on: date
    supplier: Party


@dataclass(frozen=True)
class InvoiceMismatched:
    purchase_order_id: str
    mismatches: tuple[LineMismatch, ...]
    matched_at: datetime
    lines: tuple[MatchedLine, ...]


@dataclass(frozen=True)
class MismatchAccepted:
    reason: str
    accepted_by: str | None
    accepted_at: datetime
    # For the payment saga, as in InvoiceMatched:
    supplier_invoice_number: str
    total: Decimal
    currency: str
    due_on: date
    supplier: Party


@dataclass(frozen=True)
class PaymentScheduled:
    """Pay `amount` to `supplier` on `pay_on`: the saga requests the payment with this execution date."""

    pay_on: date
    amount: Decimal  # what is still owed
    currency: str
    supplier: Party
    supplier_invoice_number: str
    purchase_order_id: str | None
    scheduled_by: str | None
    scheduled_at: datetime


@dataclass(frozen=True)
class InvoiceDrafted:
    tenant_id: str
    kind: InvoiceKind
    content: InvoiceContent
    totals: Totals
    drafted_by: str | None
    drafted_at: datetime
    credited_invoice_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class DraftEdited:
    content: InvoiceContent
    totals: Totals
    edited_by: str | None
    edited_at: datetime


@dataclass(frozen=True)
class IssueRequested:
    """The draft is frozen for issuing: from here only its number (then payments, credits, void) change it."""

    issued_on: date
    year: int
    requested_by: str | None


@dataclass(frozen=True)
class InvoiceIssued:
    number: str
    year: int
    sequence: int
    issued_on: date
    # For the ledger's saga: what is owed, by whom, when.
    kind: InvoiceKind
    customer: Party
    currency: str
    totals: Totals
    due_on: date
    credited_invoice_id: str | None = None


@dataclass(frozen=True)
class CreditApplied:
    credit_note_id: str
    amount: Decimal
    outstanding: Decimal  # what is owed after it


@dataclass(frozen=True)
class InvoicePaymentRecorded:
    payment_id: str
    amount: Decimal
    paid_on: date
    paid_total: Decimal
    outstanding: Decimal
    fully_paid: bool


@dataclass(frozen=True)
class InvoiceVoided:
    reason: str
    voided_by: str | None
    voided_at: datetime
    number: str | None  # an issued invoice keeps its number


InvoiceEvent = (
    SupplierInvoiceReceived
    | InvoiceMatched
    | InvoiceMismatched
    | MismatchAccepted
    | PaymentScheduled
    | InvoiceDrafted
    | DraftEdited
    | IssueRequested
    | InvoiceIssued
    | CreditApplied
    | InvoicePaymentRecorded
    | InvoiceVoided
)
EVENTS: tuple[type, ...] = InvoiceEvent.__args__


@dataclass(frozen=True)
class InvoiceNumberAssigned:
    tenant_id: str
    invoice_id: str
    year: int
    sequence: int  # 1, 2, 3 ... per tenant and year, without gaps
    number: str  # "<year>-<sequence, six digits>"


NUMBERING_EVENTS: tuple[type, ...] = (InvoiceNumberAssigned,)
