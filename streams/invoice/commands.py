"""Commands on an invoice, and on the per-tenant numbering that gives issued invoices their numbers.

Amounts are Decimal in the invoice's one currency (major unit). Two kinds of invoice share one aggregate:
payables (a supplier's invoice, matched three-way against a purchase order) and receivables (the tenant
issues them, numbered per tenant and year without gaps; a credit note is a receivable that reduces what
another invoice is owed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict, with_config

from streams.payment.commands import Party

# Where these values enter over HTTP, a field they do not have is refused (422 naming it).
_ENTERED = with_config(ConfigDict(extra="forbid"))


class InvoiceKind(StrEnum):
    PAYABLE = "payable"  # a supplier's invoice to the tenant
    RECEIVABLE = "receivable"  # the tenant's invoice to a customer
    CREDIT_NOTE = "credit_note"  # the tenant's credit against one of its receivables


class VatRate(StrEnum):
    """Russian VAT rates (НДС); NONE is "без НДС" (not subject to VAT), unlike a 0% export rate."""

    RATE_22 = "22"  # the general rate from 2026-01-01
    RATE_20 = "20"  # the general rate before 2026
    RATE_10 = "10"  # food, children's goods, medicines, books
    RATE_0 = "0"  # exports and international transport
    NONE = "none"  # без НДС


@_ENTERED
@dataclass(frozen=True)
class InvoiceLine:
    line_no: int  # 1-based
    description: str
    quantity: Decimal
    unit: str  # OKEI code, e.g. "796" pieces
    unit_price: Decimal  # excluding VAT, at most the currency's minor units
    vat_rate: VatRate = VatRate.NONE
    order_line_no: int | None = None  # payables: the purchase order line it bills


@_ENTERED
@dataclass(frozen=True)
class InvoiceContent:
    """What an invoice says, as drafted, received or edited as a whole."""

    counterparty: Party  # payables: the supplier (the payment's beneficiary); receivables: the customer
    currency: str  # ISO 4217
    lines: tuple[InvoiceLine, ...]
    due_on: date
    counterparty_tax_id: str = ""
    purchase_order_id: str | None = None  # payables: the order it bills (three-way match)
    notes: str = ""


@dataclass(frozen=True)
class ReceiveSupplierInvoice:
    """A supplier's invoice arrived; it is registered under the supplier's own number."""

    supplier_invoice_number: str
    issued_on: date
    content: InvoiceContent


@_ENTERED
@dataclass(frozen=True)
class OrderLineFacts:
    """A purchase order line as the three-way match sees it: ordered, its price, and received so far."""

    line_no: int
    quantity: Decimal
    unit_price: Decimal
    received: Decimal


@dataclass(frozen=True)
class MatchToOrder:
    """Match a payable against its purchase order's lines as they stand now (read from the order)."""

    purchase_order_id: str
    currency: str  # the order's currency
    order_lines: tuple[OrderLineFacts, ...]


@dataclass(frozen=True)
class AcceptMismatch:
    """A person accepts the mismatches found (e.g. an agreed price change) so the invoice can be paid."""

    reason: str


@dataclass(frozen=True)
class SchedulePayment:
    """Pay a matched payable on `pay_on` (the saga schedules on the due date; a person may move it)."""

    pay_on: date


@dataclass(frozen=True)
class DraftInvoice:
    """A receivable (or, with `credited_invoice_id`, a credit note) in draft: no number yet."""

    content: InvoiceContent
    credited_invoice_id: str | None = None  # a credit note: the receivable it reduces
    reason: str = ""  # a credit note's reason


@dataclass(frozen=True)
class EditDraft:
    content: InvoiceContent


@dataclass(frozen=True)
class IssueInvoice:
    """Freeze the draft for issuing; the numbering then hands out its number (`RecordInvoiceNumber`)."""

    issued_on: date


@dataclass(frozen=True)
class RecordInvoiceNumber:
    """The number the tenant's numbering assigned to this invoice: it is now issued."""

    number: str  # e.g. "2026-000123"
    year: int
    sequence: int


@dataclass(frozen=True)
class ApplyCredit:
    """A credit note was issued against this receivable: it reduces what is owed."""

    credit_note_id: str
    amount: Decimal


@dataclass(frozen=True)
class RecordPayment:
    """Money moved for this invoice (sent by the saga when a payment settles)."""

    payment_id: str
    amount: Decimal
    paid_on: date
    currency: str | None = None  # the payment's currency: another than the invoice's is refused (409)


@dataclass(frozen=True)
class VoidInvoice:
    """Void: an issued invoice keeps its number (no gaps, no reuse); one with payments cannot be voided."""

    reason: str


InvoiceCommand = (
    ReceiveSupplierInvoice
    | MatchToOrder
    | AcceptMismatch
    | SchedulePayment
    | DraftInvoice
    | EditDraft
    | IssueInvoice
    | RecordInvoiceNumber
    | ApplyCredit
    | RecordPayment
    | VoidInvoice
)
COMMANDS: tuple[type, ...] = InvoiceCommand.__args__


@dataclass(frozen=True)
class AssignInvoiceNumber:
    """Hand the next number of the tenant's year to `invoice_id`; again for the same invoice: the same number."""

    invoice_id: str
    year: int


NumberingCommand = AssignInvoiceNumber
NUMBERING_COMMANDS: tuple[type, ...] = (AssignInvoiceNumber,)
