"""Events of a payment: facts, named in the past tense. The lead's sagas post to the ledger from these."""

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
    approved_by: str | None
    approver_role: str
    approved_at: datetime
    # What the ledger's saga reserves, carried with the fact so the saga needs no state of its own.
    amount: Decimal
    currency: str
    payer_account: str
    beneficiary_name: str
    invoice_id: str | None = None
    purchase_order_id: str | None = None


@dataclass(frozen=True)
class PaymentRejected:
    reason: str
    rejected_by: str | None
    rejected_at: datetime


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
    statement_line_ref: str
    settled_on: date
    reservation_id: str | None = None  # the ledger's pending transfer the settlement posts
    purchase_order_id: str | None = None  # a prepayment's order, which the settlement releases
    invoice_id: str | None = None
    amount: Decimal = Decimal(0)
    currency: str = ""


@dataclass(frozen=True)
class PaymentReturned:
    reason: str
    returned_at: datetime
    statement_line_ref: str | None = None
    reservation_id: str | None = None
    was_settled: bool = False  # the money had left (posted): the return reverses; else it releases
    purchase_order_id: str | None = None


@dataclass(frozen=True)
class PaymentCancelled:
    reason: str
    cancelled_by: str | None
    cancelled_at: datetime
    reservation_id: str | None = None  # a reservation the cancellation releases


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
