"""Events of a payment: facts, named in the past tense.

Processes (sagas) keep no state of their own, so each event a process reacts to carries what its next
command needs: an approval the amount, currency and accounts to reserve; a settlement, return or
cancellation the reservation to post, reverse or void, and the invoice or purchase order concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from streams.payment.commands import Party


@dataclass(frozen=True)
class PaymentRequested:
    tenant_id: str
    idempotency_key: str
    amount: Decimal
    currency: str
    payer: Party
    beneficiary: Party
    purpose: str
    end_to_end_id: str  # travels with the order to the bank and back on its statement
    requested_at: datetime
    requested_by: str | None = None
    invoice_id: str | None = None
    purchase_order_id: str | None = None
    execution_date: date | None = None
    vat_note: str = ""


@dataclass(frozen=True)
class IncomingPaymentRecorded:
    tenant_id: str
    statement_line_ref: str
    amount: Decimal
    currency: str
    payer: Party
    beneficiary: Party
    purpose: str
    received_on: date
    invoice_id: str | None = None


@dataclass(frozen=True)
class PaymentApproved:
    """Approved within the approver's limit: the ledger's process reserves `amount` on `payer_account`."""

    approved_by: str | None
    approver_role: str
    approved_at: datetime
    amount: Decimal
    currency: str
    payer_account: str
    beneficiary_account: str
    beneficiary_name: str
    invoice_id: str | None = None
    purchase_order_id: str | None = None


@dataclass(frozen=True)
class PaymentRejected:
    reason: str
    rejected_by: str | None
    rejected_at: datetime
    invoice_id: str | None = None
    purchase_order_id: str | None = None


@dataclass(frozen=True)
class PaymentReserved:
    reservation_id: str
    reserved_at: datetime


@dataclass(frozen=True)
class PaymentSent:
    bank_reference: str
    sent_at: datetime


@dataclass(frozen=True)
class PaymentSettled:
    """The bank booked it: the ledger's process posts the reservation."""

    statement_line_ref: str
    settled_on: date
    amount: Decimal
    currency: str
    reservation_id: str | None
    invoice_id: str | None = None
    purchase_order_id: str | None = None


@dataclass(frozen=True)
class PaymentReturned:
    """The bank sent it back: voided (if it was only sent) or reversed (if settled) by the ledger's process."""

    reason: str
    returned_at: datetime
    statement_line_ref: str | None
    returned_from: str  # the status it had: "sent" (the reservation is voided) or "settled" (reversed)
    amount: Decimal
    currency: str
    reservation_id: str | None
    invoice_id: str | None = None
    purchase_order_id: str | None = None


@dataclass(frozen=True)
class PaymentCancelled:
    """Withdrawn before it was sent: a reservation, if there was one, is voided by the ledger's process."""

    reason: str
    cancelled_by: str | None
    cancelled_at: datetime
    reservation_id: str | None = None
    invoice_id: str | None = None
    purchase_order_id: str | None = None


PaymentEvent = (
    PaymentRequested
    | IncomingPaymentRecorded
    | PaymentApproved
    | PaymentRejected
    | PaymentReserved
    | PaymentSent
    | PaymentSettled
    | PaymentReturned
    | PaymentCancelled
)
EVENTS: tuple[type, ...] = PaymentEvent.__args__
